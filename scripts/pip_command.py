"""The one ``pip install`` command line of the setup scripts.

``scripts/install_torch.py`` and ``scripts/python_venvs.py`` both install
with it; the network limits are the Makefile's ``PIP_NET`` (a slow or absent
index fails in seconds instead of pip's default minutes of retries).

Examples
--------
>>> pip_install("python3", "-r", "requirements.txt")[:5]
['python3', '-m', 'pip', 'install', '--quiet']
"""

PIP_NET = ("--timeout", "15", "--retries", "1")


def pip_install(python, *args) -> list:
    """``python -m pip install --quiet`` with the network limits, then ``args``."""
    return [str(python), "-m", "pip", "install", "--quiet", *PIP_NET, *map(str, args)]
