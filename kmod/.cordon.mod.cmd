cmd_/work/main/kmod/cordon.mod := printf '%s\n'   main.o bell.o echo.o ipc.o | awk '!x[$$0]++ { print("/work/main/kmod/"$$0) }' > /work/main/kmod/cordon.mod
