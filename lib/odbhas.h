/* odbhas.h - internal: whether a repository has an object, for walks that
 * ask about many objects the repository mostly lacks (odbhas.c). */
#ifndef PLANSYNC_ODBHAS_H
#define PLANSYNC_ODBHAS_H
#include <git2.h>

typedef struct ps_odbhas ps_odbhas;

/* A lookup into repo's objects as they are now. PS_ERROR, PS_ENOMEM. */
int ps_odbhas_new(ps_odbhas **out, git_repository *repo);
/* 1 when the object is in a pack or loose, 0 when not. */
int ps_odbhas_has(ps_odbhas *h, const git_oid *id);
void ps_odbhas_free(ps_odbhas *h);

#endif
