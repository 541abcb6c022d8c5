# grassroots — build, demo, tests and benchmarks.
# duckdb_arrow lets DuckDB read Arrow batches directly (see DESIGN.md); every
# target builds with it.
GO      ?= go
TAGS    ?= duckdb_arrow
BIN     ?= bin/grassroots
DEMO    ?= demo
FUZZTIME ?= 60s

.PHONY: build demo test bench fuzz vet clean

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/grassroots

# The synthetic Taiyuan, loaded end to end into $(DEMO)/.
demo: build
	./$(BIN) demo --dir $(DEMO)

test:
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -count=1 ./...

# Benchmarks print their figures; see README "Benchmarks".
bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime 3x ./pipeline/ ./transform/ ./ingest/ ./internal/...

# Each fuzz target for $(FUZZTIME).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/idnum
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/dates
	$(GO) test -run '^$$' -fuzz '^FuzzClean$$' -fuzztime $(FUZZTIME) ./internal/textnorm
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) ./ingest
	$(GO) test -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME) ./ingest
	$(GO) test -run '^$$' -fuzz '^FuzzNDJSON$$' -fuzztime $(FUZZTIME) ./ingest

clean:
	rm -rf bin $(DEMO)
