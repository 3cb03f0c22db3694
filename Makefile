# convlayer: the two commands a newcomer needs are `make course` and `make test`.
# Everything else here is a building block of those two.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

CHAPTERS := $(sort $(wildcard chapters/*.ipynb))

.PHONY: setup course book serve notebooks test test-lib test-notebooks bench clean

## setup: virtual environment with the pinned requirements and convlib (editable)
setup: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## course: set up, build the website into _build/html and say where it is
course: book
	@echo
	@echo "The course is built: open file://$(CURDIR)/_build/html/index.html"
	@echo "or serve it with:     make serve   (http://127.0.0.1:$(PORT)/)"

book: setup
	$(BIN)/jupyter-book build . -W --keep-going

serve:
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

## notebooks: re-execute the chapters in place (stores outputs and widget state)
notebooks: setup
	cd chapters && for nb in $(notdir $(CHAPTERS)); do \
		../$(BIN)/jupyter execute --inplace "$$nb" || exit 1; done

## test: every test (library, notebooks via nbval, book build, browser)
test: setup
	$(BIN)/python -m pytest tests chapters --nbval-lax -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/bench_corr2d.py

clean:
	rm -rf _build .pytest_cache
