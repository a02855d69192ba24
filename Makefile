.PHONY: test run build fuzz crash screenshots

# The whole test suite, PostgreSQL included (see scripts/test.sh).
test:
	bash scripts/test.sh

# The gateway on an embedded SQLite database with the simulator channels.
run:
	go run ./cmd/kasir serve

build:
	go build -o kasir ./cmd/kasir

# Every fuzz target for FUZZTIME each (make test runs 2000 executions of each).
FUZZTIME ?= 1m
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# The full crash and database outage suites (README, "Reliability suites"):
# serve SIGKILLed CRASH_KILLS times on each engine under load; make test runs 5.
CRASH_KILLS ?= 50
crash:
	go test ./cmd/kasir -run 'TestCrash|TestOutage' -count=1 -crash.kills=$(CRASH_KILLS) -timeout 30m -v

# The dashboard's screenshots in docs/screenshots, taken by the browser test.
screenshots:
	npm ci --prefix e2e --no-audit --no-fund
	KASIR_SCREENSHOTS=$(CURDIR)/docs/screenshots go test ./cmd/kasir -run TestDashboardBrowser -count=1 -v
