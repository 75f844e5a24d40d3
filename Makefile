# Flint: `make run` starts the all-in-one service, `make test` runs every test.
# Both install whatever is missing first (Debian packages and npm packages; `make test`
# also PostgreSQL's server package when no test server answers).
.PHONY: deps run test typecheck bench tempest

deps:
	@bash scripts/install-deps.sh

run: deps
	node --enable-source-maps dist/js/src/cli/main.js serve $(ARGS)

typecheck: deps
	npx tsc --noEmit
	npx tsc --noEmit -p web/dashboard

# The PostgreSQL tests use FLINT_TEST_PG_URL (default 127.0.0.1:5432/test); when no server
# answers there, the script runs the suite against a private cluster under ./var/ and
# stops it afterwards (FLINT_TEST_PG_PRIVATE=1 forces that).
test: deps
	npx tsc --noEmit
	npx tsc --noEmit -p web/dashboard
	bash scripts/with-test-postgres.sh npm test --silent

bench: deps
	npm run bench --silent

# The OpenStack conformance gate: Tempest's volume API suite against Flint behind a real
# Keystone (Debian's packages, installed on first use). TEMPEST_REGEX selects a subset.
tempest: deps
	bash scripts/tempest/run.sh $(TEMPEST_REGEX)
