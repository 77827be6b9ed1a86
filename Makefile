# Panjare: two commands do everything.
#   make demo   installs the front-end assets, then runs the whole platform with demo data
#   make test   installs the front-end assets, then runs every test
GO      ?= go
VENDOR  := internal/web/static/vendor
FONT    := $(VENDOR)/vazirmatn/Vazirmatn-Variable.woff2
AXE     := test/vendor/axe-core/axe.min.js
CHARTS  := $(VENDOR)/echarts/echarts.min.js
TESTFLAGS ?= -timeout 20m

.PHONY: demo test assets build lint bench clean

demo: assets
	$(GO) run ./cmd/panjare demo

test: assets
	$(GO) test $(TESTFLAGS) ./...

# The Vazirmatn font comes from npm (package-lock.json pins it) and is copied
# into the embedded static folder. Without it the portal falls back to system
# fonts, so `go run ./cmd/panjare demo` works without npm too. axe-core, which
# the browser tests run over every page, is copied into test/vendor (never
# into the binary); without it those checks skip with a message. Apache
# ECharts draws the dashboards' charts; without it every chart stays the
# table beneath it, which holds the same numbers.
assets: $(FONT) $(AXE) $(CHARTS)

NPM_DONE := node_modules/.package-lock.json

$(NPM_DONE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(AXE): $(NPM_DONE)
	mkdir -p $(dir $(AXE))
	cp node_modules/axe-core/axe.min.js $(AXE)
	cp node_modules/axe-core/LICENSE $(dir $(AXE))LICENSE

$(FONT): $(NPM_DONE)
	mkdir -p $(VENDOR)/vazirmatn
	cp 'node_modules/vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2' $(FONT)
	cp node_modules/vazirmatn/OFL.txt $(VENDOR)/vazirmatn/OFL.txt

$(CHARTS): $(NPM_DONE)
	mkdir -p $(VENDOR)/echarts
	cp node_modules/echarts/dist/echarts.min.js $(CHARTS)
	cp node_modules/echarts/LICENSE node_modules/echarts/NOTICE $(VENDOR)/echarts/

build: assets
	$(GO) build -o bin/panjare ./cmd/panjare

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench: assets
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/catalog/search/
	$(GO) run ./bench/searchquality
	$(GO) run ./bench/servicepage

clean:
	rm -rf bin node_modules $(VENDOR)/vazirmatn $(VENDOR)/echarts test/vendor
