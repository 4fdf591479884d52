#!/usr/bin/env python3
"""The oracle check of cordon-split on a real Linux 6.1 driver.

    scripts/oracle_check.py dummy|null_blk|ixgbe

Compares what the analyzer says the driver takes from the kernel with the
symbols the compiled driver leaves undefined (scripts/oracle_linux.sh):
every undefined symbol must be in drv_to_kernel, locks, kernel_globals,
kernel_in_ops or kernel_fn_values, or be one of the documented exclusions
(what a domain implements itself, and module plumbing); every drv_to_kernel
entry must be undefined in the objects; and every callback it lists must
have its address taken in the objects (scripts/oracle_addresses.py). Prints
the differences; exit status 1 if any.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What a domain runs itself (docs/analyzer.md, "The boundary"), what every
# module links against without calling it, and what the compiler emits for
# the source's own calls (bcmp for a memcmp compared with 0): not boundary
# functions.
EXCLUDED = re.compile(
    r"^(_raw_|__raw_|mutex_|__mutex_|down_|up_|__init_rwsem|rcu|__rcu|synchronize_rcu|"
    r"__alloc_percpu|free_percpu|k[mvz]?alloc|__kmalloc|kmalloc_|kfree|kmem_cache_|vfree|"
    r"vmalloc|vzalloc|kvfree|kvmalloc|kvzalloc|krealloc|kmemdup|kstrdup|kstrndup|str|mem|"
    r"_find_|find_next|find_first|sprintf|snprintf|vsnprintf|scnprintf|sscanf|kstrto|"
    r"_printk|printk|__warn_printk|__this_module|param_ops_|param_array_ops$|__copy_overflow$|__SCT__|__SCK__|__fentry__|"
    r"__x86_|__stack_chk_fail|__ubsan_|this_cpu_off|__per_cpu_offset|__cpu_possible_mask|"
    r"__cpu_online_mask|pcpu_hot|__fortify|fortify_|refcount_warn|__list_|__might_sleep|"
    r"__might_fault|__cond_resched|__preempt_count|__check_object_size|bitmap_|__bitmap|"
    r"__local_bh_|bcmp$)")

# Calls the compiler removes by folding a header inline for the constant
# arguments of one call site, which the analysis (one walk of each inline,
# whatever its arguments) cannot see: listed, though not in the objects.
FOLDED = {
    # ixgbe_main.c: bitmap_clear(adapter->fwd_bitmask, 1, 63) takes the
    # small_const_nbits(64) branch once inlined
    "__bitmap_clear",
}

USER_ACCESS = re.compile(r"^__(get|put)_user_(nocheck_)?\d$")

TRACE = re.compile(r"^(__bpf_trace_|__SCT__tp_func_|trace_event_raw_event_|perf_trace_|"
                   r"trace_raw_output_|__traceiter_)")


def run(*args):
    return subprocess.run(args, cwd=HERE, capture_output=True, text=True, check=True).stdout


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    driver = sys.argv[1]
    obj = tempfile.mkdtemp(prefix="cordon-oracle-")
    try:
        env = dict(os.environ, ORACLE_OBJ=obj)
        undefined = set(subprocess.run(["bash", "scripts/oracle_linux.sh", driver], cwd=HERE,
                                       env=env, capture_output=True, text=True,
                                       check=True).stdout.split())
        taken = set(run("python3", "scripts/oracle_addresses.py",
                        *sorted(glob.glob(os.path.join(obj, "*.o")))).split())
    finally:
        shutil.rmtree(obj, ignore_errors=True)
    a = json.loads(run("bash", "scripts/split_linux.sh", driver, "--json"))
    d2k = set(a["drv_to_kernel"])
    said = d2k | set(a["locks"]) | set(a["kernel_globals"])
    said |= {entry.split()[0] for entry in a.get("kernel_in_ops", [])}
    said |= set(a.get("kernel_fn_values", []))
    # get_user/put_user are inline assembly that calls __get_user_N /
    # __put_user_N: explained where the analysis reports that assembly
    if any(e.startswith("asm/uaccess") for e in a.get("inline_asm", [])):
        said |= {u for u in undefined if USER_ACCESS.match(u)}
    unexplained = sorted(u for u in undefined - said if not EXCLUDED.match(u))
    not_undefined = sorted(d2k - undefined - FOLDED)
    for u in unexplained:
        print(f"{driver}: undefined in the objects, not in the analysis: {u}")
    for u in not_undefined:
        print(f"{driver}: in drv_to_kernel, not undefined in the objects: {u}")
    print(f"{driver}: {len(undefined)} undefined symbols, {len(unexplained)} unexplained, "
          f"{len(not_undefined)} listed but not used")
    # kernel -> driver: every callback the analysis lists must have its
    # address taken in the objects (module_init/exit's functions are the
    # objects' init_module/cleanup_module aliases; tracepoint plumbing the
    # TRACE_EVENT macros generate is the kernel's). The objects also take
    # the addresses of functions the driver keeps in its own structures,
    # which the analysis rightly leaves out and an object cannot tell
    # apart: those are counted, not failed.
    taken = {t for t in taken if not TRACE.match(t)}
    k2d = {k for k in set(a["kernel_to_drv"]) - set(a.get("module_entries", []))
           if not TRACE.match(k)}
    extra = sorted(k2d - taken)
    for u in extra:
        print(f"{driver}: a callback in the analysis, no address taken in the objects: {u}")
    print(f"{driver}: {len(taken)} functions with their address taken, {len(k2d)} callbacks, "
          f"{len(extra)} callbacks not in the objects, {len(taken - k2d)} kept by the driver")
    return 1 if unexplained or not_undefined or extra else 0


if __name__ == "__main__":
    sys.exit(main())
