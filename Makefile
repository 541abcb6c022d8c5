# grassroots — build, demo, tests and benchmarks.
# duckdb_arrow lets DuckDB read Arrow batches directly (see docs/design.md);
# every target builds with it.
GO      ?= go
TAGS    ?= duckdb_arrow
BIN     ?= bin/grassroots
# The version and commit `grassroots version` prints and a release's manifest
# records (program_version).
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  = -X main.version=$(VERSION) -X main.commit=$(COMMIT)
DEMO    ?= demo
FUZZTIME ?= 60s
FUZZFLAGS ?= -fuzzminimizetime 5s -parallel 1

.PHONY: build demo test bench bench-go fuzz reliability vet clean privacy-audit report-images

build:
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/grassroots

# The synthetic Taiyuan, loaded end to end into $(DEMO)/.
demo: build
	./$(BIN) demo --dir $(DEMO)

# The PNGs of the README's "Monthly report": the demo city's 2022-07 report
# printed to PDF by headless Chromium, then its first page, the page with the
# county ranking and the page with the replenishment list rendered by
# pdftoppm into docs/. Needs chromium, fonts-noto-cjk and poppler-utils.
IMAGES_DEMO ?= bin/report-images-demo
IMAGES_DPI  ?= 100
report-images: build
	rm -rf $(IMAGES_DEMO)
	./$(BIN) demo --dir $(IMAGES_DEMO) >/dev/null
	./$(BIN) report --config $(IMAGES_DEMO)/grassroots.yaml --period 2022-07 --formats pdf
	@pdf=$(IMAGES_DEMO)/reports/2022-07/report.pdf; \
	pages=$$(pdfinfo "$$pdf" | awk '/^Pages:/ {print $$2}'); \
	shot() { \
	  for p in $$(seq 1 "$$pages"); do \
	    if pdftotext -f $$p -l $$p "$$pdf" - | tr -d ' \n' | grep -q "$$1"; then \
	      pdftoppm -r $(IMAGES_DPI) -png -f $$p -l $$p -singlefile "$$pdf" docs/$$2 && echo "docs/$$2.png: page $$p of $$pages"; return; \
	    fi; \
	  done; \
	  echo "no page of $$pdf shows $$1" >&2; return 1; \
	}; \
	shot '一、' report-2022-07-first-page && \
	shot '待补充村（社区）名单' report-2022-07-replenishment && \
	shot '各县（市、区）排名' report-2022-07-ranking

# The attacker's audit of a release folder (make privacy-audit DIR=demo/export/2022Q4 [K=5]):
# the linkage, derivation and uniqueness figures, read from the release's files only.
privacy-audit: build
	@test -n "$(DIR)" || { echo "usage: make privacy-audit DIR=path/to/release" >&2; exit 2; }
	./$(BIN) privacy-audit $(if $(K),--k $(K)) $(DIR)

# The packages that run goroutines of their own are tested with the race
# detector; the others without it. The binary the cmd tests run as a process
# is built without it (the race detector watches the test process).
MODULE    = $(shell $(GO) list -m)
RACE_PKGS = pipeline warehouse schedule ingest deliver backup cmd/grassroots cmd/grassroots-bench
RACE      = $(addprefix $(MODULE)/,$(RACE_PKGS))
NORACE    = $(filter-out $(RACE),$(shell $(GO) list -tags $(TAGS) ./...))

test:
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -count=1 $(NORACE)
	$(GO) test -tags $(TAGS) -count=1 -race -timeout 20m $(RACE)

# The issue-8 table at a scale (national by default; README "Performance"):
# generate, the full load against DuckDB's own read_csv, reruns, peak RSS,
# the macros, the report and the export, medians of $(REPS) runs.
SCALE ?= national
REPS  ?= 3
bench: build
	$(GO) build -tags $(TAGS) -o bin/grassroots-bench ./cmd/grassroots-bench
	./bin/grassroots-bench --bin $(BIN) --scale $(SCALE) --reps $(REPS) --json bench-$(SCALE).json

# The Go micro-benchmarks (readers, normaliser, city load, macros).
bench-go:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./internal/... ./ingest/ ./transform/
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime 5x -count 3 ./pipeline/

# The reliability campaign in full (hostile files at full size, 27 crash
# cases, concurrency); each case's outcome goes to reliability.jsonl.
reliability:
	rm -f reliability.jsonl
	GRASSROOTS_RELIABILITY=full GRASSROOTS_RELIABILITY_REPORT=$(CURDIR)/reliability.jsonl \
		$(GO) test -tags $(TAGS) -count=1 -timeout 60m -run 'Hostile|Crash|TwoWriters|ReaderKeepsItsView|Failed|Archive|DiskFull|ReadOnlyWarehouse|PublishedFolderMissing|ServeExitsOnFatalError|ServeRidesOutFullDisk' ./pipeline/ ./cmd/grassroots/
	@cat reliability.jsonl 2>/dev/null || true

# Each fuzz target for $(FUZZTIME) (make fuzz FUZZTIME=10m for the campaign).
fuzz:
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/idnum
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/dates
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzClean$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./internal/textnorm
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzNDJSON$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzXLSX$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzXLSXSheet$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzXLSXStream$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzXLSXStreamWorkbook$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzDecodePage$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzFileName$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./ingest
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./config
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzNormalise$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./transform
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMatchHeader$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./transform
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzValues$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./transform
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMaskRaw$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./transform
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzRenderHTMLNames$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./reports
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzEscape$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./schedule

clean:
	rm -rf bin $(DEMO)
