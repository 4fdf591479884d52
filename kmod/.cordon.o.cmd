cmd_/work/main/kmod/cordon.o := ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments   -r -o /work/main/kmod/cordon.o @/work/main/kmod/cordon.mod 
