/*
 * net_util.h - what the guest's net tests share: a file written, a device
 * brought up or down, frames sent through AF_PACKET, a device's counters.
 */
#ifndef CORDON_GUEST_NET_UTIL_H
#define CORDON_GUEST_NET_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest_util.h"

static inline int write_str(const char *path, const char *s)
{
    int f = open(path, O_WRONLY);
    if (f < 0)
        return -1;
    ssize_t n = write(f, s, strlen(s));
    close(f);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static inline int set_up(const char *name, int up)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return r;
}

/* Sends n broadcast frames of len bytes (at least 22) on the device
 * through AF_PACKET, each numbered; returns how many the socket took. */
static inline long send_frames_len(const char *name, long n, size_t len)
{
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (s < 0)
        return -1;
    struct sockaddr_ll to = {
        .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(name), .sll_halen = 6};
    memset(to.sll_addr, 0xff, 6);
    unsigned char frame[1514];
    if (len < 22 || len > sizeof frame) {
        close(s);
        return -1;
    }
    memset(frame, 0, len);
    memset(frame, 0xff, 6);             /* broadcast */
    frame[12] = 0x88, frame[13] = 0xb5; /* a local experimental ethertype */
    long sent = 0;
    for (long i = 0; i < n; i++) {
        memcpy(frame + 14, &i, sizeof i);
        ssize_t r;
        while ((r = sendto(s, frame, len, 0, (struct sockaddr *)&to, sizeof to)) < 0 &&
               (errno == ENOBUFS || errno == EAGAIN))
            usleep(100); /* the device's queue is full: wait for completions */
        if (r != (ssize_t)len)
            break;
        sent++;
    }
    close(s);
    return sent;
}

/* The device's counter (statistics/WHAT), or -1. */
static inline long net_counter(const char *name, const char *what)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s", name, what);
    return read_num(path);
}

#endif
