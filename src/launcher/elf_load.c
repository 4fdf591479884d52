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

/* What the program headers say: the span to map, and the dynamic and RELRO
 * segments. Every PT_LOAD is checked against the file and W^X here. */
struct layout {
    const Elf64_Phdr *ph;
    unsigned nph;
    uint64_t lo, hi;
    const Elf64_Phdr *dyn, *relro;
};

/* What the dynamic section names (image addresses). */
struct dynamic {
    const Elf64_Dyn *d;
    size_t n;
    uint64_t strtab, symtab, strsz, rela, relasz, jmprel, pltrelsz;
    uint64_t init, init_array, init_arraysz, hash;
    int64_t pltrel;
};

/* Phase 1: the ELF header and the program headers, from the file alone. */
static int read_layout(const uint8_t *file, size_t size, Elf64_Ehdr *eh, struct layout *l,
                       char *err, size_t errlen)
{
    if (size < sizeof(Elf64_Ehdr))
        return fail(err, errlen, "file too small for an ELF header");
    memcpy(eh, file, sizeof *eh);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return fail(err, errlen, "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64)
        return fail(err, errlen, "not an x86-64 little-endian ELF file");
    if (eh->e_type != ET_DYN)
        return fail(err, errlen, "not a shared object (build modules with -shared -fPIC)");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff >= size ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff)
        return fail(err, errlen, "program headers outside the file");
    if (((uintptr_t)file + eh->e_phoff) % 8 != 0)
        return fail(err, errlen, "misaligned program headers");
    memset(l, 0, sizeof *l);
    l->ph = (const Elf64_Phdr *)(file + eh->e_phoff);
    l->nph = eh->e_phnum;
    l->lo = UINT64_MAX;
    for (unsigned i = 0; i < l->nph; i++) {
        const Elf64_Phdr *p = &l->ph[i];
        switch (p->p_type) {
        case PT_LOAD:
            if (p->p_filesz > p->p_memsz || p->p_offset > size ||
                p->p_filesz > size - p->p_offset || p->p_memsz > MAX_SPAN || p->p_vaddr > MAX_SPAN)
                return fail(err, errlen, "segment %u exceeds the file or the size limit", i);
            /* W^X: code that can be rewritten is code a domain can make */
            if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
                return fail(err, errlen, "segment %u is both writable and executable", i);
            if (p->p_vaddr < l->lo)
                l->lo = p->p_vaddr;
            if (p->p_vaddr + p->p_memsz > l->hi)
                l->hi = p->p_vaddr + p->p_memsz;
            break;
        case PT_DYNAMIC:
            l->dyn = p;
            break;
        case PT_GNU_RELRO:
            l->relro = p;
            break;
        case PT_TLS:
            return fail(err, errlen, "thread-local storage is not supported in modules");
        case PT_INTERP:
            return fail(err, errlen, "an executable, not a module");
        default:
            break;
        }
    }
    if (l->lo == UINT64_MAX || !l->dyn)
        return fail(err, errlen, "no loadable segment or no dynamic section");
    l->lo &= ~(uint64_t)(PAGE - 1);
    l->hi = (l->hi + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    if (l->hi - l->lo > MAX_SPAN)
        return fail(err, errlen, "image larger than 1 GiB");
    return 0;
}

/* Phase 2: the image, read-write, with every loadable segment copied in. */
static int map_image(const uint8_t *file, const struct layout *l, struct cdn_elf_image *img,
                     char *err, size_t errlen)
{
    uint8_t *map =
        mmap(NULL, l->hi - l->lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return fail(err, errlen, "out of memory mapping the image");
    img->map = map;
    img->span = l->hi - l->lo;
    img->bias = (uintptr_t)map - l->lo;
    for (unsigned i = 0; i < l->nph; i++)
        if (l->ph[i].p_type == PT_LOAD)
            memcpy(img_ptr(img, l->ph[i].p_vaddr, l->ph[i].p_memsz), file + l->ph[i].p_offset,
                   l->ph[i].p_filesz);
    return 0;
}

/* Phase 3: the dynamic section's entries, in the mapped image. */
static int read_dynamic(const struct layout *l, struct cdn_elf_image *img, struct dynamic *dy,
                        char *err, size_t errlen)
{
    memset(dy, 0, sizeof *dy);
    dy->pltrel = DT_RELA;
    dy->d = img_ptr(img, l->dyn->p_vaddr, l->dyn->p_memsz);
    if (!dy->d || l->dyn->p_memsz < sizeof(Elf64_Dyn))
        return fail(err, errlen, "malformed dynamic section");
    dy->n = l->dyn->p_memsz / sizeof(Elf64_Dyn);
    for (size_t i = 0; i < dy->n && dy->d[i].d_tag != DT_NULL; i++) {
        uint64_t v = dy->d[i].d_un.d_val;
        switch (dy->d[i].d_tag) {
        case DT_STRTAB:
            dy->strtab = v;
            break;
        case DT_SYMTAB:
            dy->symtab = v;
            break;
        case DT_STRSZ:
            dy->strsz = v;
            break;
        case DT_RELA:
            dy->rela = v;
            break;
        case DT_RELASZ:
            dy->relasz = v;
            break;
        case DT_JMPREL:
            dy->jmprel = v;
            break;
        case DT_PLTRELSZ:
            dy->pltrelsz = v;
            break;
        case DT_PLTREL:
            dy->pltrel = (int64_t)v;
            break;
        case DT_INIT:
            dy->init = v;
            break;
        case DT_INIT_ARRAY:
            dy->init_array = v;
            break;
        case DT_INIT_ARRAYSZ:
            dy->init_arraysz = v;
            break;
        case DT_HASH:
            dy->hash = v;
            break;
        case DT_REL:
        case DT_TEXTREL:
            return fail(err, errlen, "REL relocations / TEXTREL are not supported");
        case DT_FLAGS:
            if (v & DF_TEXTREL)
                return fail(err, errlen, "TEXTREL is not supported");
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Phase 4: symbols and strings located; only libraries a domain provides. */
static int check_symbols_and_needs(const uint8_t *file, size_t size, const Elf64_Ehdr *eh,
                                   const struct dynamic *dy, struct cdn_elf_image *img, char *err,
                                   size_t errlen)
{
    img->strtab = img_ptr(img, dy->strtab, dy->strsz);
    img->strsz = dy->strsz;
    img->nsyms = dynsym_count(file, size, eh, dy->hash);
    img->syms = img_ptr(img, dy->symtab, img->nsyms * sizeof(Elf64_Sym));
    if (!img->strtab || !img->syms || dy->pltrel != DT_RELA)
        return fail(err, errlen, "malformed dynamic section");
    for (size_t i = 0; i < dy->n && dy->d[i].d_tag != DT_NULL; i++) {
        if (dy->d[i].d_tag != DT_NEEDED)
            continue;
        uint64_t at = dy->d[i].d_un.d_val;
        if (at >= dy->strsz || !memchr(img->strtab + at, 0, dy->strsz - at))
            return fail(err, errlen, "malformed dynamic section");
        const char *need = img->strtab + at;
        if (!needed_allowed(need))
            return fail(err, errlen, "module needs '%s'; a domain provides only libc and libcordon",
                        need);
    }
    return 0;
}

/* Phase 5: relocated, the constructors found. */
static int link_image(const struct dynamic *dy, struct cdn_elf_image *img, char *err, size_t errlen)
{
    if (apply_rela(img, dy->rela, dy->relasz, err, errlen) ||
        apply_rela(img, dy->jmprel, dy->pltrelsz, err, errlen))
        return -1;
    if (dy->init && !img_ptr(img, dy->init, 1))
        return fail(err, errlen, "malformed dynamic section");
    img->init = dy->init ? (void (*)(void))img_ptr(img, dy->init, 1) : NULL;
    if (dy->init_arraysz) {
        img->init_array = img_ptr(img, dy->init_array, dy->init_arraysz);
        if (!img->init_array || dy->init_arraysz % sizeof(void *))
            return fail(err, errlen, "malformed dynamic section");
        img->init_count = dy->init_arraysz / sizeof(void *);
    }
    return 0;
}

/* Phase 6: final protections, each segment as its flags say, then RELRO
 * read-only. */
static int protect_image(const struct layout *l, struct cdn_elf_image *img, char *err,
                         size_t errlen)
{
    for (unsigned i = 0; i < l->nph; i++) {
        const Elf64_Phdr *p = &l->ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        uint64_t s = p->p_vaddr & ~(uint64_t)(PAGE - 1);
        uint64_t e = (p->p_vaddr + p->p_memsz + PAGE - 1) & ~(uint64_t)(PAGE - 1);
        int prot = ((p->p_flags & PF_R) ? PROT_READ : 0) | ((p->p_flags & PF_W) ? PROT_WRITE : 0) |
                   ((p->p_flags & PF_X) ? PROT_EXEC : 0);
        if (mprotect(img_ptr(img, s, e - s), e - s, prot) != 0)
            return fail(err, errlen, "mprotect failed for segment %u", i);
    }
    if (l->relro) {
        uint64_t s = l->relro->p_vaddr & ~(uint64_t)(PAGE - 1);
        uint64_t e = (l->relro->p_vaddr + l->relro->p_memsz) & ~(uint64_t)(PAGE - 1);
        if (e > s && img_ptr(img, s, e - s))
            mprotect(img_ptr(img, s, e - s), e - s, PROT_READ);
    }
    return 0;
}

/* The phases in order. Every failure after the image is mapped leaves by
 * one path: the message is formatted first (it may quote the image's own
 * strings), then the image is unmapped and *img cleared. */
int cdn_elf_load(const uint8_t *file, size_t size, struct cdn_elf_image *img, char *err,
                 size_t errlen)
{
    memset(img, 0, sizeof *img);
    Elf64_Ehdr eh;
    struct layout l;
    struct dynamic dy;
    if (read_layout(file, size, &eh, &l, err, errlen) || map_image(file, &l, img, err, errlen))
        return -1;
    if (read_dynamic(&l, img, &dy, err, errlen) ||
        check_symbols_and_needs(file, size, &eh, &dy, img, err, errlen) ||
        link_image(&dy, img, err, errlen) || protect_image(&l, img, err, errlen)) {
        drop(img, -1);
        memset(img, 0, sizeof *img);
        return -1;
    }
    return 0;
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
