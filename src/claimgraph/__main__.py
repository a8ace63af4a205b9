from claimgraph.interfaces.cli import main

raise SystemExit(main())
