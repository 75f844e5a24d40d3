# Flint: `make run` starts the all-in-one service, `make test` runs every test.
# Both install whatever is missing first (Debian packages and npm packages).
.PHONY: deps run test typecheck bench

deps:
	@bash scripts/install-deps.sh

run: deps
	node --import tsx src/cli/main.ts serve $(ARGS)

typecheck: deps
	npx tsc --noEmit

test: deps
	npx tsc --noEmit
	npm test --silent

bench: deps
	npm run bench --silent
