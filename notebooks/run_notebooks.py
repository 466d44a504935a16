#!/usr/bin/env python3
"""Executes cslake's notebooks headless against a lakehouse; bin/test's step 5.

    .venv/bin/python notebooks/run_notebooks.py --lakehouse target/demo-lakehouse --out target/notebooks
    .venv/bin/python notebooks/run_notebooks.py --clear      # strip outputs from the committed notebooks

Every notebooks/*.ipynb (or the ones named) runs in a fresh kernel of this interpreter, with the working
directory notebooks/ and CSLAKE_LAKEHOUSE set to --lakehouse. Written to --out, never into the repo: the
executed copy <name>.ipynb and each figure as <name>-<n>.png. Exits 1, naming the notebook and the cell,
when a cell raises, when a notebook draws no figure, or when a committed notebook carries outputs.
"""

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NB_DIR = Path(__file__).resolve().parent
REPO = NB_DIR.parent


def notebooks(names):
    if names:
        paths = []
        for n in names:
            p = Path(n)
            if not p.suffix:
                p = p.with_suffix(".ipynb")
            if not p.is_file():
                p = NB_DIR / p.name
            if not p.is_file():
                sys.exit(f"run_notebooks: no notebook {n} in {NB_DIR}")
            paths.append(p)
        return paths
    return sorted(NB_DIR.glob("*.ipynb"))


def stale_outputs(nb):
    """Indexes (1-based) of code cells that carry outputs or an execution count."""
    return [
        i
        for i, c in enumerate(nb.cells, 1)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]


def clear(nb):
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
        c.get("metadata", {}).pop("execution", None)
    return nb


def kernel_dir():
    """A Jupyter data dir whose 'python3' kernel is this interpreter (the venv's), ahead of any other."""
    d = Path(tempfile.mkdtemp(prefix="cslake-kernels-"))
    spec = d / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (cslake .venv)",
                "language": "python",
            }
        )
    )
    return d


def first_error(nb):
    for i, c in enumerate(nb.cells, 1):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                return i, c, o
    return None


def source_head(cell, lines=3):
    src = cell.source.strip().splitlines()
    head = "\n".join("    " + s for s in src[:lines])
    return head + ("\n    ..." if len(src) > lines else "")


def run_one(path, out, timeout):
    """Executes one notebook; returns (error message or None, figures written)."""
    nb = nbformat.read(path, as_version=4)
    name = path.stem
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NB_DIR)}},
        allow_errors=False,
        record_timing=False,
    )
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        found = first_error(nb)
        if found:
            idx, cell, o = found
            error = (
                f"{path.name}: cell {idx} failed with {o.get('ename')}: {str(o.get('evalue'))[:1500]}\n"
                f"  cell {idx}:\n{source_head(cell)}"
            )
        else:
            error = f"{path.name}: {type(e).__name__}: {str(e).strip()[-2000:]}"
    finally:
        nbformat.write(nb, out / f"{name}.ipynb")

    figures = 0
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            png = o.get("data", {}).get("image/png") if o.get("output_type") in ("display_data", "execute_result") else None
            if png:
                figures += 1
                (out / f"{name}-{figures}.png").write_bytes(base64.b64decode(png))
    if error is None and figures == 0:
        error = f"{path.name}: ran, but drew no figure (no image/png output in any cell)"
    return error, figures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="notebooks to run (default: every notebooks/*.ipynb)")
    ap.add_argument("--lakehouse", default=str(REPO / "lakehouse"), help="the lakehouse to read (default: ./lakehouse, the demo's)")
    ap.add_argument("--out", default=str(REPO / "target" / "notebooks"), help="where executed notebooks and PNGs go")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    ap.add_argument("--clear", action="store_true", help="strip outputs and execution counts from the notebooks, in place, and exit")
    args = ap.parse_args()

    paths = notebooks(args.names)
    if not paths:
        sys.exit(f"run_notebooks: no notebooks in {NB_DIR}")

    if args.clear:
        for p in paths:
            nb = nbformat.read(p, as_version=4)
            if stale_outputs(nb) or any("execution" in c.get("metadata", {}) for c in nb.cells):
                nbformat.write(clear(nb), p)
                print(f"run_notebooks: cleared {p.relative_to(REPO)}")
        return 0

    failures = []
    for p in paths:
        stale = stale_outputs(nbformat.read(p, as_version=4))
        if stale:
            failures.append(
                f"{p.name}: committed with outputs in cell(s) {', '.join(map(str, stale))}; clear them with "
                f"`.venv/bin/python notebooks/run_notebooks.py --clear` before committing"
            )
    if failures:
        for f in failures:
            print(f"run_notebooks: FAILED {f}", file=sys.stderr)
        return 1

    lake = Path(args.lakehouse).resolve()
    if not lake.is_dir():
        print(f"run_notebooks: no lakehouse at {lake} (run `bin/cslake demo` first)", file=sys.stderr)
        return 1
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for p in paths:  # earlier outputs of the notebooks about to run
        for old in list(out.glob(f"{p.stem}-*.png")) + [out / p.name]:
            old.unlink(missing_ok=True)

    os.environ["CSLAKE_LAKEHOUSE"] = str(lake)
    os.environ["JUPYTER_PATH"] = str(kernel_dir()) + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend turns figures into image/png outputs
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    started = time.monotonic()
    for p in paths:
        t0 = time.monotonic()
        print(f"run_notebooks: {p.name} ...", file=sys.stderr, flush=True)
        error, figures = run_one(p, out, args.timeout)
        took = time.monotonic() - t0
        if error:
            failures.append(error)
            print(f"run_notebooks: FAILED {error}", file=sys.stderr, flush=True)
        else:
            print(f"run_notebooks: {p.name} ok in {took:.0f} s, {figures} figure(s)", file=sys.stderr, flush=True)

    total = time.monotonic() - started
    if failures:
        print(f"run_notebooks: {len(failures)} of {len(paths)} notebook(s) failed ({total:.0f} s); executed copies in {out}", file=sys.stderr)
        return 1
    print(f"run_notebooks: {len(paths)} notebook(s) ok in {total:.0f} s; figures and executed copies in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
