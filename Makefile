# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test browser lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools' "Editable installation" notice (folders named like the package may shadow it) is for package
	@# authors, and newer pip shows it on every install: hidden here, where no user can act on it
	$(PY) -W "ignore:Editable installation:UserWarning" -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m vcred.demo

test: $(STAMP) browser
	$(PY) -m pytest -p no:cacheprovider -rs

# The decision-page test reads the page in headless Chromium (and its printed copy with pdftotext). Installed here
# when missing and this machine can (root, apt): one `apt-get update`. When it cannot, that test skips with why.
browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $$missing for the decision-page test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
			|| echo "could not install $$missing: the decision-page test will skip"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check vcred tests bench
	$(VENV)/bin/ruff format --check vcred tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench

bench: $(STAMP)
	$(PY) bench/run.py

fuzz: $(STAMP)
	VCRED_FUZZ=full VCRED_WALLET_KILLS=200 VCRED_LEDGER_KILLS=150 $(PY) -m pytest -p no:cacheprovider \
		tests/attacks tests/wallet/test_wallet_crash.py tests/ledger/test_ledger_crash.py

clean:
	rm -rf $(VENV) .vcred-data build *.egg-info
