# grassroots — build, demo, tests and benchmarks.
# duckdb_arrow lets DuckDB read Arrow batches directly (see DESIGN.md); every
# target builds with it.
GO      ?= go
TAGS    ?= duckdb_arrow
BIN     ?= bin/grassroots
DEMO    ?= demo
FUZZTIME ?= 60s
FUZZFLAGS ?= -fuzzminimizetime 5s

.PHONY: build demo test bench fuzz reliability vet clean

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
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./internal/... ./ingest/ ./transform/
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime 5x -count 3 ./pipeline/

# The reliability campaign in full (hostile files at full size, 20 crash
# points, concurrency); each case's outcome goes to reliability.jsonl.
reliability:
	rm -f reliability.jsonl
	GRASSROOTS_RELIABILITY=full GRASSROOTS_RELIABILITY_REPORT=$(CURDIR)/reliability.jsonl \
		$(GO) test -tags $(TAGS) -count=1 -timeout 60m -run 'Hostile|Crash|TwoWriters|ReaderKeepsItsView|Failed|Archive|DiskFull|ReadOnlyWarehouse|PublishedFolderMissing' ./pipeline/ ./cmd/grassroots/
	@cat reliability.jsonl 2>/dev/null || true

# Each fuzz target for $(FUZZTIME).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/idnum
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/dates
	$(GO) test -run '^$$' -fuzz '^FuzzClean$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/textnorm
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -run '^$$' -fuzz '^FuzzNDJSON$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./config
	$(GO) test -run '^$$' -fuzz '^FuzzNormalise$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./transform

clean:
	rm -rf bin $(DEMO)
