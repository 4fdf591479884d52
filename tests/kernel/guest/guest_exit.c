/*
 * guest_exit.c - ends the test guest with a verdict QEMU turns into its own
 * exit status: a byte written to the isa-debug-exit port (0xf4) makes QEMU
 * exit with (byte << 1) | 1. The guest's /init runs this last.
 *
 *   guest_exit CODE      CODE 0..127
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: guest_exit CODE\n");
        return 2;
    }
    int code = atoi(argv[1]);
    if (code < 0 || code > 127 || ioperm(0xf4, 1, 1) != 0) {
        perror("guest_exit: ioperm");
        return 1;
    }
    outb((unsigned char)code, 0xf4);
    return 1; /* not reached: QEMU has exited */
}
