/*
 * cordon/cordon.h - the whole public API in one include.
 *
 *   error.h    status codes
 *   channel.h  shared-memory channels (rings of cache-line slots)
 *   module.h   what a module (untrusted code in a domain) provides and uses
 *   domain.h   protection domains seen from the host (process, inproc)
 *   async.h    fibers and asynchronous calls
 *   cap.h      capability tables (handles for host objects)
 *   heap.h     the shared heap with ownership tracking
 */
#ifndef CORDON_CORDON_H
#define CORDON_CORDON_H

#include "cordon/async.h"
#include "cordon/cap.h"
#include "cordon/channel.h"
#include "cordon/domain.h"
#include "cordon/error.h"
#include "cordon/heap.h"
#include "cordon/module.h"
#include "cordon/supervisor.h"

#endif
