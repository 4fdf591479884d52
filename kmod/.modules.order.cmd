cmd_/work/main/kmod/modules.order := {   echo /work/main/kmod/cordon.ko; :; } > /work/main/kmod/modules.order
