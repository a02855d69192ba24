.PHONY: test run build fuzz

# The whole test suite, PostgreSQL included (see scripts/test.sh).
test:
	bash scripts/test.sh

# The gateway on an embedded SQLite database with the simulator channels.
run:
	go run ./cmd/kasir serve

build:
	go build -o kasir ./cmd/kasir

# Every fuzz target for FUZZTIME each (make test runs them for 2s).
FUZZTIME ?= 1m
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh
