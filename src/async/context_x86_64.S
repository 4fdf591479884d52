/*
 * context_x86_64.S - cdn_ctx_switch for x86-64 System V.
 *
 *   void cdn_ctx_switch(struct cdn_ctx *from (rdi), struct cdn_ctx *to (rsi))
 *
 * A fresh context (see cdn_ctx_init) holds six zeroed register slots and then
 * the address of cdn_ctx_start, which moves the entry argument (r12) into rdi
 * and calls the entry function (r13).
 */
#if defined(__x86_64__)
    .text
    .globl cdn_ctx_switch
    .type cdn_ctx_switch, @function
cdn_ctx_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size cdn_ctx_switch, .-cdn_ctx_switch

    .globl cdn_ctx_start
    .type cdn_ctx_start, @function
cdn_ctx_start:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size cdn_ctx_start, .-cdn_ctx_start
#endif
    .section .note.GNU-stack,"",@progbits
