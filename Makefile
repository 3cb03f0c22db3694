# convlayer: the two commands a newcomer needs are `make course` and `make test`.
# Everything else here is a building block of those two.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

CHAPTERS := $(sort $(wildcard chapters/*.ipynb))

# Supported Pythons: pyproject.toml's requires-python (3.10 to 3.13). Any other
# Python stops here, before pip, with one line naming its version and the range.
ifneq ($(filter-out clean serve browser,$(or $(MAKECMDGOALS),setup)),)
PYTHON_PROBLEM := $(shell $(PYTHON) scripts/check_python.py 2>&1 >/dev/null)
ifneq ($(PYTHON_PROBLEM),)
$(error $(PYTHON_PROBLEM))
endif
endif

# A classroom without a good connection: `make wheelhouse` (online, once) puts every
# pinned package for every supported Python, and the site's npm tarballs, into
# $(WHEELHOUSE)/; while that folder holds wheels, pip and fetch_vendor.py install
# from it alone, with no network (WHEELHOUSE= switches it off).
WHEELHOUSE ?= wheelhouse
ifneq ($(WHEELHOUSE),)
ifneq ($(wildcard $(WHEELHOUSE)/*.whl),)
export PIP_NO_INDEX := 1
export PIP_FIND_LINKS := $(abspath $(WHEELHOUSE))
export CONVLAYER_VENDOR_CACHE := $(abspath $(WHEELHOUSE))/npm
OFFLINE_FROM := $(abspath $(WHEELHOUSE))
endif
endif

# Every network step has a time-out; offline, each stops with one line saying
# what it could not reach and what to do.
PIP_NET     := --timeout 15 --retries 1  # (the same as scripts/pip_command.py)
ifeq ($(OFFLINE_FROM),)
PIP_OFFLINE := echo "setup: could not install the pinned packages from PyPI (see pip's error above): connect to the internet (or set HTTPS_PROXY / PIP_INDEX_URL) and run make again" >&2; exit 1
else
PIP_OFFLINE := echo "setup: could not install the pinned packages from the wheelhouse $(OFFLINE_FROM) (see pip's error above): run make wheelhouse again with a connection, or make WHEELHOUSE= to use PyPI" >&2; exit 1
endif

.PHONY: setup course book serve notebooks test test-fast lint bench clean wheelhouse slides handout

## setup: virtual environment with the pinned requirements, convlib and the instructor's
## tools (grading/: the grader and studentnb, a distribution of their own), both editable
setup: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt requirements-torch.txt constraints.txt pyproject.toml grading/pyproject.toml scripts/install_torch.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python scripts/check_python.py
	$(BIN)/python -m pip install --quiet $(PIP_NET) --upgrade pip || { $(PIP_OFFLINE); }
	$(BIN)/python -m pip install --quiet $(PIP_NET) -r requirements.txt -r requirements-test.txt -c constraints.txt || { $(PIP_OFFLINE); }
	$(BIN)/python -m pip install --quiet --no-deps -e . -e ./grading
	$(BIN)/python scripts/install_torch.py
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## course: set up, build the website (with its slides) into _build/html and say where it is
course: slides
	@echo
	@echo "The course is built: open file://$(CURDIR)/_build/html/index.html"
	@echo "or serve it with:     make serve   (http://127.0.0.1:$(PORT)/)"

# Every build reads every page afresh (--all: a new Sphinx environment), so
# that a warning fails EVERY build while it is there, not only the first one
# after the change (an incremental build does not re-read unchanged pages and
# so does not repeat their warnings); it also copies _static/ and vendor/
# every time. A full build takes about 20 s here.
# SOLUTIONS=none: a site with no solution text or code anywhere (pages, search
# index, downloads); the default (toggle) hides them in closed toggles. The
# student notebooks that the launch and download buttons open are brought up
# to date first (student-notebooks/, commit them with the chapters).
BOOK ?= .
SOLUTIONS ?=
JB_BUILD = $(if $(SOLUTIONS),CONVLAYER_SOLUTIONS=$(SOLUTIONS) )$(BIN)/jupyter-book build $(BOOK) -W --keep-going --all
# The old pages go first: Sphinx never deletes the page of a chapter that was
# renamed or removed, and such a page would be published (and tested) forever.
book: setup vendor
	$(BIN)/python -m studentnb.make --publish
	rm -rf $(BOOK)/_build/html
	$(JB_BUILD)

# the build alone (tests/test_build_integrity.py runs it on a small temporary book)
.PHONY: build-book
build-book:
	$(JB_BUILD)

## slides: one reveal.js deck per chapter of _toc.yml plus an overview deck, into
## _build/html/slides/ (linked from each chapter page; offline, also from file://)
slides: book
	$(BIN)/python scripts/make_slides.py

## handout: the whole course as one PDF through headless Chromium, from the built site.
## PAPER=A4|letter, SOLUTIONS=none|appendix|inline, SITE_URL=the published address
## (named in the explorers' captions), HANDOUT=where the PDF goes
PAPER ?= A4
SOLUTIONS ?= appendix
SITE_URL ?=
HANDOUT ?= _build/handout/convlayer-handout.pdf
handout: book browser
	$(BIN)/python scripts/make_handout.py --paper "$(PAPER)" --solutions "$(SOLUTIONS)" --site-url "$(SITE_URL)" --out "$(HANDOUT)"

## vendor: MathJax 3 and the ipywidgets HTML manager for offline pages; runs
## on every build: each file is checked against the pinned npm tarballs and
## restored from them (or fetched, with time-outs) when missing or altered
.PHONY: vendor browser
vendor:
	$(PYTHON) scripts/fetch_vendor.py

## browser: Debian chromium at /usr/bin/chromium for the browser test (apt-get)
browser:
	bash scripts/install_chromium.sh

## sandbox: bubblewrap (bwrap), the grader's sandbox for students' code (apt-get)
.PHONY: sandbox
sandbox:
	bash scripts/install_bwrap.sh

serve:
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

## notebooks: re-execute the chapters in place (stores outputs and widget state)
notebooks: setup
	cd chapters && for nb in $(notdir $(CHAPTERS)); do \
		../$(BIN)/jupyter execute --inplace "$$nb" || exit 1; done
	$(BIN)/python -m studentnb.make --publish

## wheelhouse: download every pinned package for Python 3.10 to 3.13 (this platform) and the
## site's npm tarballs into $(WHEELHOUSE)/; afterwards make course installs from it with no network
wheelhouse: setup
	$(BIN)/python scripts/wheelhouse.py --dest "$(WHEELHOUSE)"

## test: lint, then every test (library, notebooks via nbval, book build, browser)
test: lint vendor browser sandbox
	$(BIN)/python -m pytest tests chapters --nbval-lax -p no:cacheprovider

## test-fast: lint, then the library, checker, grading and notebook-tool unit tests (about two
## minutes): no site build, no browser, no sandbox (tests/conftest.py says which tests are slow)
test-fast: lint
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider

## lint: ruff (configured in pyproject.toml): lint, and check the formatting (first step of
## make test and make test-fast; `.venv/bin/ruff format .` fixes the formatting)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup vendor
	$(BIN)/python benchmarks/bench_corr2d.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_widgets.py

clean:
	rm -rf _build .pytest_cache

## student-notebooks: write the published student notebooks student-notebooks/*.ipynb (what the site's
##   Binder, Colab and download buttons open; commit them; a test fails when they are stale)
## student: your working copies in student/ (keeps notebooks you edited; FORCE=1 overwrites, keeping a copy)
## check-student: run your student notebooks and report every exercise check (STRICT=1: exit 1 unless all pass)
## lab: JupyterLab on the course folder (--allow-root when run as root); LAB_ARGS="--port=8890 ..." adds options
.PHONY: student student-notebooks check-student lab
student-notebooks: setup
	$(BIN)/python -m studentnb.make --publish

student: setup
	$(BIN)/python -m studentnb.make $(if $(FORCE),--force)

check-student: setup
	@test -n "$$(ls student/*.ipynb 2>/dev/null)" || $(BIN)/python -m studentnb.make
	@$(BIN)/python -m studentnb.make --run $(if $(STRICT),--strict)

LAB_ARGS ?=
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## grade: instructor-side grading in bubblewrap, SUBMISSIONS (student folders, .zip files, Canvas/Moodle downloads) -> OUT/grades.csv, OUT/feedback/
## (hidden seed: SECRET=path, default ~/.config/convlayer/grading-seed; see the README's "Grading" section)
## (more options: GRADE_ARGS="--only ada --deadline 2026-03-01T23:59"; python -m grading --help)
.PHONY: grade
SUBMISSIONS ?= submissions
OUT ?= grades
grade: setup sandbox
	$(BIN)/python -m grading "$(SUBMISSIONS)" "$(OUT)" $(if $(SECRET),--secret "$(SECRET)") $(GRADE_ARGS)
