/* ops.h - transition only: the module headers that replaced this one
 * (plan.h, progress.h, views.h, resolve.h, dump.h), for the files that
 * still include it. New code includes the module header it uses. */
#ifndef PLANSYNC_OPS_H
#define PLANSYNC_OPS_H
#include "plansync/plan.h"
#include "plansync/progress.h"
#include "plansync/views.h"
#include "plansync/resolve.h"
#include "plansync/dump.h"

#endif
