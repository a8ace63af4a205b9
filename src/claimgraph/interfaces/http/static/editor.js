// The query editor: YASGUI on /sparql, the example queries, and CONSTRUCT results drawn as a graph.
"use strict";
(function () {
  const examples = JSON.parse(document.getElementById("example-data").textContent);
  localStorage.removeItem("yagui__config");
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {endpoint: new URL("/sparql", window.location.href).href, method: "POST"},
    copyEndpointOnNewTab: false, persistenceId: null,
  });
  window.claimgraphYasgui = yasgui;
  const tab = () => yasgui.getTab();
  tab().setQuery(examples[0].query);
  document.querySelectorAll("button[data-example]").forEach(button => button.addEventListener("click", () => {
    const example = examples[Number(button.dataset.example)];
    tab().setQuery(example.query);
    tab().query();
  }));
  const status = document.getElementById("draw-status");
  document.getElementById("draw").addEventListener("click", async () => {
    const query = tab().getQuery();
    const response = await fetch("/sparql", {method: "POST", body: new URLSearchParams({query}),
                                             headers: {Accept: "application/n-triples"}});
    if (!response.ok) { status.textContent = "Only a CONSTRUCT or DESCRIBE query can be drawn."; return; }
    const term = /(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[\w-]+|\^\^<[^>]*>)?)/g;
    const nodes = new Map(), edges = [], labels = new Map();
    for (const line of (await response.text()).split("\n")) {
      const parts = line.match(term);
      if (!parts || parts.length < 3) continue;
      const [s, p, o] = parts;
      const name = t => t.startsWith("<") ? t.slice(1, -1) : t;
      if (p.endsWith("rdf-schema#label>") && o.startsWith('"')) { labels.set(name(s), JSON.parse(o.replace(/(@[\w-]+|\^\^<[^>]*>)$/, ""))); continue; }
      for (const t of [s, o]) if (!nodes.has(name(t))) nodes.set(name(t), {kind: t.startsWith('"') ? "Resource" : "Resource"});
      edges.push({data: {id: `${name(s)}|${p}|${name(o)}`, source: name(s), target: name(o), label: name(p).split(/[#/]/).pop()}});
    }
    const elements = [...nodes.keys()].map(id => ({data: {id, kind: "Resource", path: id.startsWith("https://w3id.org/claimgraph/id/") ? "/id/" + id.slice(31) : id,
                                                        label: labels.get(id) || id.split(/[#/]/).pop()}})).concat(edges);
    claimgraphDraw(document.getElementById("cy"), elements);
    status.textContent = `${nodes.size} nodes, ${edges.length} edges`;
  });
})();
