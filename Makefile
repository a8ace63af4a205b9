# Set-up and everyday commands. Each target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
STORE  ?= data/store
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup serve test clean

setup:
	@scripts/setup

serve: setup
	@scripts/serve

test: setup
	@scripts/test

clean:
	rm -rf $(VENV) data/store .pytest_cache
