/* test_msg.c - the message codec: every rule of the decoder, both ways. */
#include <string.h>

#include "util.h"

static const struct cdn_chan_geometry geom = {.ring_slots = 8, .ext_slot_size = 256};

static void encode_ok(struct cdn_msg *m, uint8_t slot[CDN_SLOT_SIZE])
{
    memset(slot, 0xee, CDN_SLOT_SIZE);
    assert_int_equal(cdn_msg_encode(m, &geom, slot), CDN_OK);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct cdn_msg m, out;
    memset(&m, 0, sizeof m);
    m.rpc_id = 0x1234;
    m.flags = CDN_MSG_REQUEST;
    m.call_id = 0xabcdef01;
    m.inline_len = CDN_INLINE_MAX;
    for (unsigned i = 0; i < CDN_INLINE_MAX; i++)
        m.data[i] = (uint8_t)i;
    uint8_t ext[100] = {1};
    m.ext = ext;
    m.ext_len = sizeof ext;
    uint8_t slot[CDN_SLOT_SIZE];
    encode_ok(&m, slot);
    assert_int_equal(cdn_msg_decode(slot, &geom, &out), CDN_OK);
    assert_int_equal(out.rpc_id, 0x1234);
    assert_int_equal(out.flags, CDN_MSG_REQUEST | CDN_MSG_EXT);
    assert_int_equal(out.call_id, 0xabcdef01);
    assert_int_equal(out.ext_len, sizeof ext);
    assert_memory_equal(out.data, m.data, CDN_INLINE_MAX);
    assert_null(out.ext);
}

static void test_short_inline_zeroes_rest(void **state)
{
    (void)state;
    struct cdn_msg m, out;
    memset(&m, 0, sizeof m);
    m.flags = CDN_MSG_REPLY;
    m.inline_len = 3;
    memcpy(m.data, "abc", 3);
    uint8_t slot[CDN_SLOT_SIZE];
    encode_ok(&m, slot); /* rest of the slot is 0xee garbage */
    assert_int_equal(cdn_msg_decode(slot, &geom, &out), CDN_OK);
    assert_memory_equal(out.data, "abc", 3);
    for (unsigned i = 3; i < CDN_INLINE_MAX; i++)
        assert_int_equal(out.data[i], 0);
}

static void test_rejects(void **state)
{
    (void)state;
    struct cdn_msg m, out;
    memset(&m, 0, sizeof m);
    m.flags = CDN_MSG_REQUEST;
    uint8_t good[CDN_SLOT_SIZE], slot[CDN_SLOT_SIZE];
    encode_ok(&m, good);
    assert_int_equal(cdn_msg_decode(good, &geom, &out), CDN_OK);

    struct {
        unsigned off;
        uint8_t val;
        const char *what;
    } cases[] = {
        {18, 0x20 | CDN_MSG_REQUEST, "unknown flag bit"},
        {18, CDN_MSG_REPLY | CDN_MSG_ONEWAY, "one-way flag on a reply"},
        {18, 0, "neither request nor reply"},
        {18, CDN_MSG_REQUEST | CDN_MSG_REPLY, "both request and reply"},
        {18, CDN_MSG_REQUEST | CDN_MSG_ERROR, "error flag on a request"},
        {18, CDN_MSG_REQUEST | CDN_MSG_EXT, "ext flag with zero ext_len"},
        {19, CDN_INLINE_MAX + 1, "inline_len over the maximum"},
        {19, 0xff, "inline_len 255"},
        {12, 1, "ext_len without ext flag"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(slot, good, sizeof slot);
        slot[cases[i].off] = cases[i].val;
        int r = cdn_msg_decode(slot, &geom, &out);
        if (r != CDN_EPROTO)
            fail_msg("accepted: %s", cases[i].what);
    }
    /* ext_len beyond the geometry's chunk */
    memcpy(slot, good, sizeof slot);
    slot[18] = CDN_MSG_REQUEST | CDN_MSG_EXT;
    uint32_t big = geom.ext_slot_size + 1;
    memcpy(slot + 12, &big, 4);
    assert_int_equal(cdn_msg_decode(slot, &geom, &out), CDN_EPROTO);
    big = 0xffffffffu;
    memcpy(slot + 12, &big, 4);
    assert_int_equal(cdn_msg_decode(slot, &geom, &out), CDN_EPROTO);
    /* error reply too short to carry a status */
    memcpy(slot, good, sizeof slot);
    slot[18] = CDN_MSG_REPLY | CDN_MSG_ERROR;
    slot[19] = 3;
    assert_int_equal(cdn_msg_decode(slot, &geom, &out), CDN_EPROTO);
}

static void test_encode_rejects(void **state)
{
    (void)state;
    struct cdn_msg m;
    uint8_t slot[CDN_SLOT_SIZE];
    memset(&m, 0, sizeof m);
    m.flags = CDN_MSG_REQUEST;
    m.inline_len = CDN_INLINE_MAX + 1;
    assert_int_equal(cdn_msg_encode(&m, &geom, slot), CDN_EINVAL);
    m.inline_len = 0;
    m.ext_len = geom.ext_slot_size + 1;
    m.ext = slot;
    assert_int_equal(cdn_msg_encode(&m, &geom, slot), CDN_ETOOBIG);
    m.ext_len = 1;
    m.ext = NULL;
    assert_int_equal(cdn_msg_encode(&m, &geom, slot), CDN_EINVAL);
}

static void test_geometry(void **state)
{
    (void)state;
    struct cdn_chan_geometry g = {.ring_slots = 64, .ext_slot_size = 4096};
    assert_int_equal(cdn_geometry_check(&g), CDN_OK);
    g.ring_slots = 48;
    assert_int_equal(cdn_geometry_check(&g), CDN_EINVAL);
    g.ring_slots = 1;
    assert_int_equal(cdn_geometry_check(&g), CDN_EINVAL);
    g.ring_slots = CDN_RING_MAX * 2;
    assert_int_equal(cdn_geometry_check(&g), CDN_EINVAL);
    g.ring_slots = 2;
    g.ext_slot_size = 100;
    assert_int_equal(cdn_geometry_check(&g), CDN_EINVAL);
    g.ext_slot_size = CDN_EXT_MAX + 64;
    assert_int_equal(cdn_geometry_check(&g), CDN_EINVAL);
    g.ext_slot_size = 0;
    assert_int_equal(cdn_geometry_check(&g), CDN_OK);
    assert_int_equal(cdn_region_size(&g), 4096 + 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_short_inline_zeroes_rest),
        cmocka_unit_test(test_rejects),   cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_geometry),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
