/*
 * launch_proto.h - the contract between the host and the cordon-domain
 * launcher: command-line arguments and exit codes.
 *
 *   cordon-domain --fd N --slots S --ext E --policy spin|adaptive
 *                 --peer-policy spin|adaptive --module PATH
 *                 [--cpu C] [--arg STRING] [--parent PID] [--keep-stderr]
 *                 [--heap-size BYTES]   (heap memfd on fd 4)
 *                 [--mem-limit BYTES]   (RLIMIT_DATA before module code runs)
 *
 * The channel geometry comes from the host on the command line, never from
 * the shared region, so neither side sizes anything by a value the other
 * can write.
 */
#ifndef CORDON_RUNTIME_LAUNCH_PROTO_H
#define CORDON_RUNTIME_LAUNCH_PROTO_H

#define CDN_LAUNCH_FD      3 /* the channel memfd in the launcher */
#define CDN_LAUNCH_HEAP_FD 4 /* the shared heap's memfd, with --heap-size */
#define CDN_LAUNCH_KERNEL_FD 3 /* with --kernel: the /dev/cordon channel, kept open */

enum cdn_launch_exit {
    CDN_LAUNCH_USAGE = 64,   /* bad arguments */
    CDN_LAUNCH_MODREAD = 65, /* module file unreadable or too big */
    CDN_LAUNCH_LINK = 66,    /* module is not a loadable ELF / unresolved symbol */
    CDN_LAUNCH_SANDBOX = 67, /* could not install the sandbox */
    CDN_LAUNCH_CHANNEL = 68, /* could not map the channel / handshake failed */
    CDN_LAUNCH_ABI = 69,     /* module has no cordon_module or a wrong ABI */
};

static inline const char *cdn_launch_exit_text(int code)
{
    switch (code) {
    case CDN_LAUNCH_USAGE:
        return "launcher: bad arguments";
    case CDN_LAUNCH_MODREAD:
        return "launcher: cannot read module file";
    case CDN_LAUNCH_LINK:
        return "launcher: module failed to load or link";
    case CDN_LAUNCH_SANDBOX:
        return "launcher: cannot install sandbox";
    case CDN_LAUNCH_CHANNEL:
        return "launcher: channel setup or handshake failed";
    case CDN_LAUNCH_ABI:
        return "launcher: module lacks cordon_module or has the wrong ABI";
    default:
        return NULL;
    }
}

#endif
