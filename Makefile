# nerdctl (TypeScript). On a fresh Debian 12 machine, as root:
#   make demo   installs everything and runs the main job end to end, offline
#   make test   installs everything and runs the whole test suite
SHELL := /bin/bash
PREFIX ?= /usr/local
NODE ?= node

.PHONY: all deps build typecheck test test-unit test-integration demo install uninstall bench clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	npm run --silent build

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

test: build typecheck
	npx vitest run

test-unit: deps
	npx vitest run --project unit

test-integration: build
	npx vitest run --project integration

demo: build
	./scripts/demo.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/lib/nerdctl-ts $(DESTDIR)$(PREFIX)/bin
	rm -rf $(DESTDIR)$(PREFIX)/lib/nerdctl-ts/*
	cp -r dist package.json $(DESTDIR)$(PREFIX)/lib/nerdctl-ts/
	cp -r node_modules $(DESTDIR)$(PREFIX)/lib/nerdctl-ts/
	ln -sf $(PREFIX)/lib/nerdctl-ts/dist/nerdctl.js $(DESTDIR)$(PREFIX)/bin/nerdctl

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/nerdctl-ts $(DESTDIR)$(PREFIX)/bin/nerdctl

bench: build
	./bench/run-all.sh

clean:
	rm -rf dist
