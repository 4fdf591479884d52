/*
 * elf_load.h - a small loader for module shared objects.
 *
 * Why not dlopen()? dlopen opens files (so the sandbox would have to allow
 * open) and runs the module's constructors as part of loading. This loader
 * works on a file image already read into memory, maps and relocates it
 * without running any of its code, and hands back its initialisers so the
 * launcher can run them *after* the seccomp filter is installed.
 *
 * Supported: x86-64 ET_DYN objects with RELA relocations of types RELATIVE,
 * 64, GLOB_DAT and JUMP_SLOT; undefined symbols resolve against the launcher
 * (libc and libcordon). Rejected with a message: TLS, IFUNC, TEXTREL, other
 * relocation types, and DT_NEEDED entries other than libc and libcordon.
 */
#ifndef CORDON_LAUNCHER_ELF_LOAD_H
#define CORDON_LAUNCHER_ELF_LOAD_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct cdn_elf_image {
    uint8_t *map;   /* start of the mapping */
    size_t span;    /* bytes mapped */
    uintptr_t bias; /* load address - link address */
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *strtab;
    size_t strsz;
    void (*init)(void);
    void (**init_array)(void);
    size_t init_count;
};

/* Maps and links the image. On failure returns -1 and writes a reason. */
int cdn_elf_load(const uint8_t *file, size_t size, struct cdn_elf_image *img, char *err,
                 size_t errlen);

/* Looks up a defined, exported symbol of the image; NULL if absent. */
void *cdn_elf_symbol(const struct cdn_elf_image *img, const char *name);

/* Runs DT_INIT and DT_INIT_ARRAY (the module's constructors). */
void cdn_elf_run_init(const struct cdn_elf_image *img);

#endif
