#!/usr/bin/env python3
"""The driver functions whose address a compiled driver takes.

    scripts/oracle_addresses.py OBJECT...

Prints, one per line, every function defined in the objects whose address
is stored in data (an R_X86_64_64 relocation outside the unwind tables)
or loaded in code without a call (R_X86_64_32S or R_X86_64_PC32 to the
function's first byte), every function EXPORT_SYMBOL puts in the symbol
table (other modules call it), and the functions module_init/module_exit name
(the init_module/cleanup_module aliases). The kernel-to-driver half of
scripts/oracle_check.py compares these with the analysis.
"""
import re
import subprocess
import sys

SKIP = re.compile(r"^\.rela(\.eh_frame|\.orc|__mcount_loc|\.return_sites|\.call_sites|"
                  r"\.retpoline_sites|__patchable|\.discard|\.debug)")


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True,
                          check=True).stdout


def functions(obj):
    """(section index, offset) -> name, and the module entry aliases."""
    at, entry = {}, set()
    for line in readelf("-s", obj).splitlines():
        f = line.split()
        if (len(f) >= 8 and f[3] == "FUNC" and f[6].isdigit() and
                f[7] not in ("init_module", "cleanup_module")):
            at[(f[6], int(f[1], 16))] = f[7]
    for line in readelf("-s", obj).splitlines():
        f = line.split()
        if len(f) >= 8 and f[7] in ("init_module", "cleanup_module") and f[6].isdigit():
            key = (f[6], int(f[1], 16))
            if key in at and at[key] != f[7]:
                entry.add(at[key])
    return at, entry


def section_indices(obj):
    idx = {}
    for line in readelf("-S", obj).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m:
            idx[m.group(2)] = m.group(1)
    return idx


def taken(obj, defined):
    """defined: the function names all the objects define (a table in one
    file may hold a function of another)."""
    at, names = functions(obj)
    idx = section_indices(obj)
    section = None
    for line in readelf("-r", obj).splitlines():
        m = re.match(r"Relocation section '(\S+)'", line)
        if m:
            section = None if SKIP.match(m.group(1)) else m.group(1)
            continue
        f = line.split()
        if section is None or len(f) < 7 or not f[2].startswith("R_X86_64_"):
            continue
        kind, target = f[2], f[4]
        addend = int(f[6], 16) * (-1 if f[5] == "-" else 1) if len(f) >= 7 else 0
        code = section.startswith(".rela.text") or section.endswith(".text")
        if kind == "R_X86_64_64" and not code:
            off = addend
        elif kind == "R_X86_64_32S" and code:
            off = addend
        elif kind == "R_X86_64_PC32" and code:
            off = addend + 4
        elif kind == "R_X86_64_PC32" and section.startswith(".rela___ksymtab"):
            off = addend  # EXPORT_SYMBOL's table entry: another module calls it

        else:
            continue
        if target in idx and (idx[target], off) in at:
            names.add(at[(idx[target], off)])
        elif off in (0, 4) and target in defined:
            names.add(target)
    return names - {"init_module", "cleanup_module"}


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    defined = set()
    for obj in sys.argv[1:]:
        defined |= set(functions(obj)[0].values())
    out = set()
    for obj in sys.argv[1:]:
        out |= taken(obj, defined)
    for n in sorted(out):
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
