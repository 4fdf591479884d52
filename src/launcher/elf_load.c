/*
 * elf_load.c - map, relocate and protect a module image (see elf_load.h).
 *
 * The image comes from the module author, so every offset, size and index in
 * it is checked before use. A hostile image can at worst make this function
 * fail; it cannot make it read or write outside the file buffer or the
 * mapping. (And the launcher is itself inside the domain: a bug here would
 * compromise only the domain, never the host.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "elf_load.h"

#define PAGE     4096u
#define MAX_SPAN (1u << 30)

/* Gives up on a half-built image: unmaps it and leaves img->map NULL.
 * Takes fail()'s result, so the message (which may quote the image's own
 * strings) is formatted before the memory it reads goes away. */
static int drop(struct cdn_elf_image *img, int rc)
{
    if (img->map)
        munmap(img->map, img->span);
    img->map = NULL;
    img->span = 0;
    return rc;
}

static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Pointer to [vaddr, vaddr+len) inside the mapping, or NULL. */
static void *img_ptr(const struct cdn_elf_image *img, uint64_t vaddr, uint64_t len)
{
    uint64_t off = vaddr + img->bias - (uintptr_t)img->map;
    if (off > img->span || len > img->span - off)
        return NULL;
    return img->map + off;
}

static const char *sym_name(const struct cdn_elf_image *img, const Elf64_Sym *s)
{
    if (s->st_name >= img->strsz)
        return NULL;
    const char *n = img->strtab + s->st_name;
    if (!memchr(n, 0, img->strsz - s->st_name))
        return NULL;
    return n;
}

static int needed_allowed(const char *name)
{
    return strcmp(name, "libc.so.6") == 0 || strncmp(name, "libcordon.so", 12) == 0 ||
           strcmp(name, "ld-linux-x86-64.so.2") == 0;
}

static int resolve(const struct cdn_elf_image *img, uint32_t symidx, uint64_t *value, char *err,
                   size_t errlen)
{
    if (symidx == 0) {
        *value = 0;
        return 0;
    }
    if (symidx >= img->nsyms)
        return fail(err, errlen, "relocation names symbol %u of %zu", symidx, img->nsyms);
    const Elf64_Sym *s = &img->syms[symidx];
    if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC || ELF64_ST_TYPE(s->st_info) == STT_TLS)
        return fail(err, errlen, "IFUNC and TLS symbols are not supported");
    if (s->st_shndx != SHN_UNDEF) {
        *value = s->st_value + img->bias;
        return 0;
    }
    const char *name = sym_name(img, s);
    if (!name)
        return fail(err, errlen, "symbol %u has a bad name offset", symidx);
    void *addr = dlsym(RTLD_DEFAULT, name);
    if (!addr && ELF64_ST_BIND(s->st_info) != STB_WEAK)
        return fail(err, errlen, "undefined symbol '%s' (a domain has only libc and libcordon)",
                    name);
    *value = (uint64_t)(uintptr_t)addr;
    return 0;
}

static int apply_rela(struct cdn_elf_image *img, uint64_t vaddr, uint64_t size, char *err,
                      size_t errlen)
{
    if (size == 0)
        return 0;
    if (size % sizeof(Elf64_Rela))
        return fail(err, errlen, "relocation table size %llu is not a multiple of its entry",
                    (unsigned long long)size);
    const Elf64_Rela *r = img_ptr(img, vaddr, size);
    if (!r)
        return fail(err, errlen, "relocation table outside the image");
    size_t n = size / sizeof(Elf64_Rela);
    for (size_t i = 0; i < n; i++) {
        uint32_t type = ELF64_R_TYPE(r[i].r_info);
        uint64_t *where = img_ptr(img, r[i].r_offset, 8);
        if (!where)
            return fail(err, errlen, "relocation %zu targets outside the image", i);
        uint64_t sym;
        switch (type) {
        case R_X86_64_NONE:
            break;
        case R_X86_64_RELATIVE:
            *where = img->bias + (uint64_t)r[i].r_addend;
            break;
        case R_X86_64_64:
            if (resolve(img, ELF64_R_SYM(r[i].r_info), &sym, err, errlen))
                return -1;
            *where = sym + (uint64_t)r[i].r_addend;
            break;
        case R_X86_64_GLOB_DAT:
        case R_X86_64_JUMP_SLOT:
            if (resolve(img, ELF64_R_SYM(r[i].r_info), &sym, err, errlen))
                return -1;
            *where = sym;
            break;
        default:
            return fail(err, errlen, "unsupported relocation type %u", type);
        }
    }
    return 0;
}

/* Finds the dynamic symbol count from the section headers (or DT_HASH). */
static size_t dynsym_count(const uint8_t *file, size_t size, const Elf64_Ehdr *eh, uint64_t hash)
{
    if (eh->e_shoff && eh->e_shentsize == sizeof(Elf64_Shdr) && eh->e_shoff < size &&
        (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= size - eh->e_shoff) {
        const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
        for (unsigned i = 0; i < eh->e_shnum; i++)
            if (sh[i].sh_type == SHT_DYNSYM && sh[i].sh_entsize == sizeof(Elf64_Sym))
                return sh[i].sh_size / sizeof(Elf64_Sym);
    }
    (void)hash;
    return 0;
}

int cdn_elf_load(const uint8_t *file, size_t size, struct cdn_elf_image *img, char *err,
                 size_t errlen)
{
    memset(img, 0, sizeof *img);
    if (size < sizeof(Elf64_Ehdr))
        return fail(err, errlen, "file too small for an ELF header");
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(err, errlen, "not an ELF file");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64)
        return fail(err, errlen, "not an x86-64 little-endian ELF file");
    if (eh.e_type != ET_DYN)
        return fail(err, errlen, "not a shared object (build modules with -shared -fPIC)");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff >= size ||
        (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
        return fail(err, errlen, "program headers outside the file");
    if (((uintptr_t)file + eh.e_phoff) % 8 != 0)
        return fail(err, errlen, "misaligned program headers");
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh.e_phoff);

    uint64_t lo = UINT64_MAX, hi = 0;
    const Elf64_Phdr *dyn = NULL, *relro = NULL;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        switch (ph[i].p_type) {
        case PT_LOAD:
            if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > size ||
                ph[i].p_filesz > size - ph[i].p_offset || ph[i].p_memsz > MAX_SPAN ||
                ph[i].p_vaddr > MAX_SPAN)
                return fail(err, errlen, "segment %u exceeds the file or the size limit", i);
            /* W^X: code that can be rewritten is code a domain can make */
            if ((ph[i].p_flags & PF_W) && (ph[i].p_flags & PF_X))
                return fail(err, errlen, "segment %u is both writable and executable", i);
            if (ph[i].p_vaddr < lo)
                lo = ph[i].p_vaddr;
            if (ph[i].p_vaddr + ph[i].p_memsz > hi)
                hi = ph[i].p_vaddr + ph[i].p_memsz;
            break;
        case PT_DYNAMIC:
            dyn = &ph[i];
            break;
        case PT_GNU_RELRO:
            relro = &ph[i];
            break;
        case PT_TLS:
            return fail(err, errlen, "thread-local storage is not supported in modules");
        case PT_INTERP:
            return fail(err, errlen, "an executable, not a module");
        default:
            break;
        }
    }
    if (lo == UINT64_MAX || !dyn)
        return fail(err, errlen, "no loadable segment or no dynamic section");
    lo &= ~(uint64_t)(PAGE - 1);
    hi = (hi + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    if (hi - lo > MAX_SPAN)
        return fail(err, errlen, "image larger than 1 GiB");

    uint8_t *map = mmap(NULL, hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return fail(err, errlen, "out of memory mapping the image");
    img->map = map;
    img->span = hi - lo;
    img->bias = (uintptr_t)map - lo;
    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD)
            memcpy(img_ptr(img, ph[i].p_vaddr, ph[i].p_memsz), file + ph[i].p_offset,
                   ph[i].p_filesz);

    const Elf64_Dyn *d = img_ptr(img, dyn->p_vaddr, dyn->p_memsz);
    if (!d || dyn->p_memsz < sizeof(Elf64_Dyn))
        goto bad_dyn;
    size_t ndyn = dyn->p_memsz / sizeof(Elf64_Dyn);
    uint64_t strtab = 0, symtab = 0, strsz = 0, rela = 0, relasz = 0, jmprel = 0, pltrelsz = 0;
    uint64_t init = 0, init_array = 0, init_arraysz = 0, hash = 0;
    int64_t pltrel = DT_RELA;
    for (size_t i = 0; i < ndyn && d[i].d_tag != DT_NULL; i++) {
        uint64_t v = d[i].d_un.d_val;
        switch (d[i].d_tag) {
        case DT_STRTAB:
            strtab = v;
            break;
        case DT_SYMTAB:
            symtab = v;
            break;
        case DT_STRSZ:
            strsz = v;
            break;
        case DT_RELA:
            rela = v;
            break;
        case DT_RELASZ:
            relasz = v;
            break;
        case DT_JMPREL:
            jmprel = v;
            break;
        case DT_PLTRELSZ:
            pltrelsz = v;
            break;
        case DT_PLTREL:
            pltrel = (int64_t)v;
            break;
        case DT_INIT:
            init = v;
            break;
        case DT_INIT_ARRAY:
            init_array = v;
            break;
        case DT_INIT_ARRAYSZ:
            init_arraysz = v;
            break;
        case DT_HASH:
            hash = v;
            break;
        case DT_REL:
        case DT_TEXTREL:
            return drop(img, fail(err, errlen, "REL relocations / TEXTREL are not supported"));
        case DT_FLAGS:
            if (v & DF_TEXTREL) {
                return drop(img, fail(err, errlen, "TEXTREL is not supported"));
            }
            break;
        default:
            break;
        }
    }
    img->strtab = img_ptr(img, strtab, strsz);
    img->strsz = strsz;
    img->nsyms = dynsym_count(file, size, &eh, hash);
    img->syms = img_ptr(img, symtab, img->nsyms * sizeof(Elf64_Sym));
    if (!img->strtab || !img->syms || pltrel != DT_RELA)
        goto bad_dyn;
    for (size_t i = 0; i < ndyn && d[i].d_tag != DT_NULL; i++) {
        if (d[i].d_tag != DT_NEEDED)
            continue;
        if (d[i].d_un.d_val >= strsz ||
            !memchr(img->strtab + d[i].d_un.d_val, 0, strsz - d[i].d_un.d_val))
            goto bad_dyn;
        const char *need = img->strtab + d[i].d_un.d_val;
        if (!needed_allowed(need)) {
            return drop(img, fail(err, errlen,
                                  "module needs '%s'; a domain provides only libc and libcordon",
                                  need));
        }
    }
    if (apply_rela(img, rela, relasz, err, errlen) ||
        apply_rela(img, jmprel, pltrelsz, err, errlen))
        return drop(img, -1);
    if (init && !img_ptr(img, init, 1))
        goto bad_dyn;
    img->init = init ? (void (*)(void))img_ptr(img, init, 1) : NULL;
    if (init_arraysz) {
        img->init_array = img_ptr(img, init_array, init_arraysz);
        if (!img->init_array || init_arraysz % sizeof(void *))
            goto bad_dyn;
        img->init_count = init_arraysz / sizeof(void *);
    }

    /* Final protections: each segment as its flags say, then RELRO read-only. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t s = ph[i].p_vaddr & ~(uint64_t)(PAGE - 1);
        uint64_t e = (ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(uint64_t)(PAGE - 1);
        int prot = ((ph[i].p_flags & PF_R) ? PROT_READ : 0) |
                   ((ph[i].p_flags & PF_W) ? PROT_WRITE : 0) |
                   ((ph[i].p_flags & PF_X) ? PROT_EXEC : 0);
        if (mprotect(img_ptr(img, s, e - s), e - s, prot) != 0)
            return drop(img, fail(err, errlen, "mprotect failed for segment %u", i));
    }
    if (relro) {
        uint64_t s = relro->p_vaddr & ~(uint64_t)(PAGE - 1);
        uint64_t e = (relro->p_vaddr + relro->p_memsz) & ~(uint64_t)(PAGE - 1);
        if (e > s && img_ptr(img, s, e - s))
            mprotect(img_ptr(img, s, e - s), e - s, PROT_READ);
    }
    return 0;

bad_dyn:
    drop(img, -1);
    memset(img, 0, sizeof *img);
    return fail(err, errlen, "malformed dynamic section");
}

void *cdn_elf_symbol(const struct cdn_elf_image *img, const char *name)
{
    for (size_t i = 1; i < img->nsyms; i++) {
        const Elf64_Sym *s = &img->syms[i];
        if (s->st_shndx == SHN_UNDEF || ELF64_ST_BIND(s->st_info) == STB_LOCAL)
            continue;
        const char *n = sym_name(img, s);
        if (n && strcmp(n, name) == 0)
            return img_ptr(img, s->st_value, s->st_size ? s->st_size : 1);
    }
    return NULL;
}

void cdn_elf_run_init(const struct cdn_elf_image *img)
{
    if (img->init)
        img->init();
    for (size_t i = 0; i < img->init_count; i++) {
        void (*fn)(void) = img->init_array[i];
        if (fn && fn != (void (*)(void)) - 1)
            fn();
    }
}
