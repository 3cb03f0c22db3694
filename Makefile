# convlayer: the two commands a newcomer needs are `make course` and `make test`.
# Everything else here is a building block of those two.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

CHAPTERS := $(sort $(wildcard chapters/*.ipynb))

# Every network step has a time-out; offline, each stops with one line saying
# what it could not reach and what to do.
PIP_NET     := --timeout 15 --retries 1
PIP_OFFLINE := echo "setup: could not install the pinned packages from PyPI (see pip's error above): connect to the internet (or set HTTPS_PROXY / PIP_INDEX_URL) and run make again" >&2; exit 1

.PHONY: setup course book serve notebooks test bench clean

## setup: virtual environment with the pinned requirements and convlib (editable)
setup: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP_NET) --upgrade pip || { $(PIP_OFFLINE); }
	$(BIN)/python -m pip install --quiet $(PIP_NET) -r requirements.txt -r requirements-test.txt -c constraints.txt || { $(PIP_OFFLINE); }
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## course: set up, build the website into _build/html and say where it is
course: book
	@echo
	@echo "The course is built: open file://$(CURDIR)/_build/html/index.html"
	@echo "or serve it with:     make serve   (http://127.0.0.1:$(PORT)/)"

# Every build reads every page afresh (--all: a new Sphinx environment), so
# that a warning fails EVERY build while it is there, not only the first one
# after the change (an incremental build does not re-read unchanged pages and
# so does not repeat their warnings); it also copies _static/ and vendor/
# every time. A full build takes about 20 s here.
BOOK ?= .
JB_BUILD = $(BIN)/jupyter-book build $(BOOK) -W --keep-going --all
book: setup vendor
	$(JB_BUILD)

# the build alone (tests/test_build_integrity.py runs it on a small temporary book)
.PHONY: build-book
build-book:
	$(JB_BUILD)

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

## test: every test (library, notebooks via nbval, book build, browser)
test: setup vendor browser sandbox
	$(BIN)/python -m pytest tests chapters --nbval-lax -p no:cacheprovider

bench: setup vendor
	$(BIN)/python benchmarks/bench_corr2d.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_widgets.py

clean:
	rm -rf _build .pytest_cache

## student: write the student versions (solutions removed) into student/ (keeps notebooks you edited; FORCE=1 overwrites)
## check-student: run your student notebooks and report every exercise check
.PHONY: student check-student
student: setup
	$(BIN)/python scripts/make_student.py $(if $(FORCE),--force)

check-student: setup
	@test -n "$$(ls student/*.ipynb 2>/dev/null)" || $(BIN)/python scripts/make_student.py
	$(BIN)/python scripts/make_student.py --run

## grade: instructor-side grading in bubblewrap, SUBMISSIONS (student folders, .zip files, Canvas/Moodle downloads) -> OUT/grades.csv, OUT/feedback/
## (hidden seed: SECRET=path, default ~/.config/convlayer/grading-seed; see the README's "Grading" section)
## (more options: GRADE_ARGS="--only ada --deadline 2026-03-01T23:59"; python -m grading --help)
.PHONY: grade
SUBMISSIONS ?= submissions
OUT ?= grades
grade: setup sandbox
	$(BIN)/python -m grading "$(SUBMISSIONS)" "$(OUT)" $(if $(SECRET),--secret "$(SECRET)") $(GRADE_ARGS)
