# mysaas build. One Makefile, pkg-config for every library.
#   make            build build/mysaas
#   make run        install what is missing, build, migrate, serve on SQLite
#   make test       unit + integration (SQLite, PostgreSQL) + sanitizer run
#   make check      the unit and integration tests under ASan + UBSan only
#   make check-layers  no #include in src/ points to a higher layer
#   make lint       clang-format, clang-tidy and cppcheck report nothing
#   make fuzz       build the libFuzzer targets of fuzz/ (clang) and run
#                   each for FUZZ_SECONDS (default 60), two at a time
#   make bench      wrk benchmarks against the real binary
#   make clean

VERSION	:= $(shell cat VERSION)
PKGS	:= libmicrohttpd jansson sqlite3 libpq libcrypto libsodium libcurl
CC	?= cc
MODE	?= release
# The fuzzing build (make fuzz) is clang's: libFuzzer comes with it.
ifeq ($(MODE),fuzz)
CC	:= clang
endif

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wmissing-declarations -Wpointer-arith \
	   -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef -Wvla \
	   -Wimplicit-fallthrough -Wnull-dereference -fno-common
ifeq ($(findstring gcc,$(shell $(CC) --version 2>/dev/null | head -n1 | tr A-Z a-z)),gcc)
WARN	+= -Wduplicated-cond -Wlogical-op
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	$(WARN) -Isrc -DMYSAAS_VERSION='"$(VERSION)"' -g -MMD -MP

ifeq ($(MODE),asan)
OPT_CFLAGS  := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer
OPT_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(MODE),fuzz)
# Every object carries libFuzzer's coverage hooks; only the targets link
# libFuzzer's main (-fsanitize=fuzzer below). Two warnings of clang's
# that gcc does not give are off: a nested {x} inside a designated
# initializer counted as missing fields, and a va_list passed on to
# vsnprintf by a function without a format attribute (buf_vappendf).
OPT_CFLAGS  := -O1 -fsanitize=fuzzer-no-link,address,undefined \
	       -fno-sanitize-recover=all -fno-omit-frame-pointer \
	       -Wno-missing-field-initializers -Wno-format-nonliteral
OPT_LDFLAGS := -fsanitize=address,undefined
else
OPT_CFLAGS  := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT_LDFLAGS := -pie -Wl,-z,relro,-z,now
endif

CFLAGS	+= $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS)
LDFLAGS	+= $(OPT_LDFLAGS)
LDLIBS	+= $(PKG_LIBS) -lpthread

OUT	:= build/$(MODE)
SRCS	:= $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/%.o) $(OUT)/gen/migrations.o
MIGRATIONS := $(wildcard src/db/migrations/*/*.sql)

TEST_SRCS := $(shell find tests -name '*_test.c' 2>/dev/null | sort)
TEST_BINS := $(TEST_SRCS:%.c=$(OUT)/%)

BIN	:= $(OUT)/mysaas

.PHONY: all run test check check-layers unit-bins bench clean lint format \
	bootstrap-run bootstrap-test fuzz fuzz-bins

all: build/mysaas

build/mysaas: $(BIN)
	@if [ "$(MODE)" = release ]; then ln -sf release/mysaas build/mysaas; fi

$(BIN): $(OUT)/src/main.o $(OUT)/libmysaas.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/libmysaas.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# The API docs embed files with .incbin: absolute paths, real dependencies.
SWAGGER_DIR := node_modules/swagger-ui-dist
DOCS_FILES  := src/docs/openapi.json src/docs/init.js \
	$(SWAGGER_DIR)/swagger-ui.css $(SWAGGER_DIR)/swagger-ui-bundle.js \
	$(SWAGGER_DIR)/favicon-32x32.png
DOCS_DEFS   := -DDOCS_OPENAPI_JSON='"$(CURDIR)/src/docs/openapi.json"' \
	-DDOCS_INIT_JS='"$(CURDIR)/src/docs/init.js"' \
	-DDOCS_SWAGGER_DIR='"$(CURDIR)/$(SWAGGER_DIR)"'
$(OUT)/src/docs/docs.o: CFLAGS += $(DOCS_DEFS)
$(OUT)/src/docs/docs.o: $(DOCS_FILES)

# The stylesheet is embedded the same way (src/html/html.c).
HTML_DEFS := -DHTML_STYLE_CSS='"$(CURDIR)/src/html/style.css"'
$(OUT)/src/html/html.o: CFLAGS += $(HTML_DEFS)
$(OUT)/src/html/html.o: src/html/style.css

# Our page script, embedded the same way (src/pages/script.c).
PAGES_DEFS := -DPAGES_JS='"$(CURDIR)/src/pages/pages.js"'
$(OUT)/src/pages/script.o: CFLAGS += $(PAGES_DEFS)
$(OUT)/src/pages/script.o: src/pages/pages.js

# swagger-ui-dist comes from npm (package-lock.json).
$(SWAGGER_DIR)/%: package-lock.json
	npm ci --no-audit --no-fund
	@touch $(SWAGGER_DIR)/$*

$(OUT)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-migrations.sh src/db/migrations $@

$(OUT)/gen/migrations.o: $(OUT)/gen/migrations.c
	$(CC) $(CFLAGS) -c -o $@ $<

# Unit tests: cmocka, one binary per tests/**/X_test.c.
$(OUT)/tests/%: tests/%.c $(OUT)/libmysaas.a
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -Itests -o $@ $< $(OUT)/libmysaas.a $(LDFLAGS) \
		$(LDLIBS) -lcmocka

unit-bins: $(TEST_BINS)

# Fuzzing (STYLE.md 4): one libFuzzer target per fuzz/*.c, with its seed
# corpus in fuzz/corpus/<name>/ and its dictionary in fuzz/<name>.dict.
# The targets link the library built with MODE=fuzz (build/fuzz/); make
# fuzz runs each for FUZZ_SECONDS, two at a time (scripts/fuzz.sh).
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(sort $(wildcard fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/bin/%)

build/fuzz/bin/%: fuzz/%.c fuzz/fuzz.h fuzz/mhd.h build/fuzz/libmysaas.a
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer -Ifuzz -o $@ $< \
		build/fuzz/libmysaas.a $(LDFLAGS) -fsanitize=fuzzer $(LDLIBS)

ifeq ($(MODE),fuzz)
fuzz-bins: $(FUZZ_BINS)
else
fuzz-bins:
	$(MAKE) MODE=fuzz fuzz-bins
endif

fuzz:
	$(MAKE) MODE=fuzz fuzz-bins
	sh scripts/fuzz.sh $(FUZZ_SECONDS)

# Benchmark helpers (make bench).
$(OUT)/bench/%: bench/%.c $(OUT)/libmysaas.a
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -o $@ $< $(OUT)/libmysaas.a $(LDFLAGS) $(LDLIBS)

# The README's commands.
run: bootstrap-run
	$(MAKE) all
	./build/mysaas serve

test: bootstrap-test
	sh scripts/test.sh

# Sanitizer build and run only.
check: bootstrap-test
	sh scripts/test.sh asan

# The layer rule of docs/ARCHITECTURE.md: no include points upward (a
# step of make test too), and the unit tests of core/ and http/ link and
# pass with the objects of their own layers and those below, nothing else.
CORE_OBJS  := $(filter $(OUT)/src/core/%,$(LIB_OBJS))
HTTP_OBJS  := $(filter $(foreach d,core db html http,$(OUT)/src/$(d)/%), \
	$(LIB_OBJS)) $(OUT)/gen/migrations.o
LAYER_BINS := $(patsubst tests/%.c,$(OUT)/layers/%, \
	$(filter tests/core/% tests/http/%,$(TEST_SRCS)))

$(OUT)/layers/core/%: tests/core/%.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -Itests -o $@ $< $(CORE_OBJS) $(LDFLAGS) $(LDLIBS) \
		-lcmocka

$(OUT)/layers/http/%: tests/http/%.c $(HTTP_OBJS)
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -Itests -o $@ $< $(HTTP_OBJS) $(LDFLAGS) $(LDLIBS) \
		-lcmocka

check-layers: $(LAYER_BINS)
	sh scripts/check-layers.sh
	@for t in $(LAYER_BINS); do \
		$$t >/dev/null 2>&1 || { echo "FAILED: $$t"; exit 1; }; \
	done; echo "ok: core/ and http/ tests on their own layers"

bench: bootstrap-test
	$(MAKE) all build/release/bench/jwt_verify
	sh bench/run.sh

bootstrap-run:
	sh scripts/bootstrap.sh run

bootstrap-test:
	sh scripts/bootstrap.sh test

# The static analysis of the style guide: the format, clang-tidy (its
# checks in .clang-tidy) and cppcheck, all on the code as it is built.
# clang-tidy takes the build's flags from build/lint/compile_flags.txt,
# written anew on each run (clang knows neither gcc-only warning; the
# -D paths of the embedding files are given to every file, where the
# others ignore them); one file per process, as a process that analyses
# several reports va_list false positives after the first.
FMT_SRCS    := $(shell find src tests fuzz -name '*.[ch]' 2>/dev/null | sort)
LINT_JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
LINT_CFLAGS = $(filter-out -g -MMD -MP -Isrc -Wduplicated-cond -Wlogical-op, \
	$(BASE_CFLAGS)) -I$(CURDIR)/src $(DOCS_DEFS) $(HTML_DEFS) $(PAGES_DEFS)

# Each tool runs even when one before it failed; any finding fails.
lint:
	@mkdir -p build/lint
	@printf '%s\n' $(LINT_CFLAGS) $(PKG_CFLAGS) >build/lint/compile_flags.txt
	@rc=0; \
	echo "clang-format --dry-run --Werror (src/, tests/, fuzz/)"; \
	clang-format --dry-run --Werror $(FMT_SRCS) || rc=1; \
	echo "clang-tidy (.clang-tidy) src/"; \
	printf '%s\n' $(SRCS) | xargs -P$(LINT_JOBS) -n1 clang-tidy -p build/lint \
	    --quiet --header-filter='^$(CURDIR)/src/' \
	    2>build/lint/clang-tidy.err || rc=1; \
	grep -v ' generated\.$$' build/lint/clang-tidy.err >&2; \
	echo "cppcheck src/"; \
	cppcheck --enable=warning,performance,portability --std=c11 \
	    --error-exitcode=1 --inline-suppr --quiet \
	    $(filter -I% -D%,$(LINT_CFLAGS)) src || rc=1; \
	if [ $$rc -eq 0 ]; then echo "ok: lint"; else echo "FAILED: lint"; fi; \
	exit $$rc

format:
	clang-format -i $(FMT_SRCS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
