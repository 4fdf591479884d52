#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module __section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif

static const struct modversion_info ____versions[] __used __section("__versions") = {
	{0x47978cc, "misc_deregister"},
	{0x13c49cc2, "_copy_from_user"},
	{0x8d522714, "__rcu_read_lock"},
	{0x5e515be6, "ktime_get_ts64"},
	{0x656e4a6e, "snprintf"},
	{0x92540fbf, "finish_wait"},
	{0x69acdf38, "memcpy"},
	{0x37a0cba, "kfree"},
	{0x54496b4, "schedule_timeout_interruptible"},
	{0x8c26d495, "prepare_to_wait_event"},
	{0xb3f7646e, "kthread_should_stop"},
	{0xe2964344, "__wake_up"},
	{0xba8fbd64, "_raw_spin_lock"},
	{0xcbd4898c, "fortify_panic"},
	{0xbdfb6dbb, "__fentry__"},
	{0x70e470bf, "wake_up_process"},
	{0x65487097, "__x86_indirect_thunk_rax"},
	{0x8ddd8aad, "schedule_timeout"},
	{0xa19b956, "__stack_chk_fail"},
	{0x5635a60a, "vmalloc_user"},
	{0xa916b694, "strnlen"},
	{0xf5e7ea40, "ktime_get_coarse_ts64"},
	{0xfe487975, "init_wait_entry"},
	{0x68f31cbd, "__list_add_valid"},
	{0x6091797f, "synchronize_rcu"},
	{0x2469810f, "__rcu_read_unlock"},
	{0x4dfa8d4b, "mutex_lock"},
	{0xe1537255, "__list_del_entry_valid"},
	{0xe0934051, "kthread_stop"},
	{0xcefb0c9f, "__mutex_init"},
	{0x844c8938, "misc_register"},
	{0x5b8239ca, "__x86_return_thunk"},
	{0x6b10bee1, "_copy_to_user"},
	{0xd9a5ea54, "__init_waitqueue_head"},
	{0xe771160f, "kthread_create_on_node"},
	{0xdd64e639, "strscpy"},
	{0x999e8297, "vfree"},
	{0x3213f038, "mutex_unlock"},
	{0x56470118, "__warn_printk"},
	{0xe0112fc4, "__x86_indirect_thunk_r9"},
	{0xffae8e8b, "nsecs_to_jiffies"},
	{0x606e9d01, "kmalloc_trace"},
	{0x50db2169, "remap_vmalloc_range"},
	{0xb5b54b34, "_raw_spin_unlock"},
	{0xf90a1e85, "__x86_indirect_thunk_r8"},
	{0xeb233a45, "__kmalloc"},
	{0xe2c17b5d, "__SCT__might_resched"},
	{0x7a7caba8, "kmalloc_caches"},
	{0x9060323f, "module_layout"},
};

MODULE_INFO(depends, "");
