/work/main/kmod/main.o
/work/main/kmod/bell.o
/work/main/kmod/echo.o
/work/main/kmod/ipc.o
