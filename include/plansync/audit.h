/* audit.h - plansync audit: the whole history of every branch verified
 * again from scratch, as an inspector runs it.
 *
 * Every branch this replica holds (its own and every fetched one) is read
 * by a temporary replica that trusts the same province key and knows
 * nothing else: signatures, enrolment at the time, ownership and history
 * that only grows are judged as any import judges them, and the state it
 * implies must equal this replica's dump. Nothing here is changed. */
#ifndef PLANSYNC_AUDIT_H
#define PLANSYNC_AUDIT_H
#include <stdbool.h>
#include "plansync/replica.h"

typedef struct ps_audit_signer {
	char *fingerprint, *replica;
	long commits;
} ps_audit_signer;
typedef struct ps_audit_office {
	char *office;
	long branches, commits, changes;
	ps_audit_signer *signers;
	size_t nsigners;
} ps_audit_office;
typedef struct ps_audit_refusal {
	char *branch, *commit, *reason; /* commit NULL when not one commit's fault */
} ps_audit_refusal;
typedef struct ps_audit {
	ps_audit_office *offices; /* by office id */
	size_t noffices;
	ps_audit_refusal *refused; /* what the fresh import refused, and history rewritten here */
	size_t nrefused;
	long pending;      /* change files held: keys not enrolled (not a failure) */
	long not_exported; /* this replica's changes not in a commit yet */
	bool state_equal;  /* the fresh import's dump equals this replica's */
	char *state_diff;  /* the first record that differs, NULL when equal */
	bool ok;           /* nothing refused, no history rewritten, state equal */
} ps_audit;

/* Run the audit (a temporary replica under $TMPDIR, removed after). */
int ps_audit_run(ps_audit **out, ps_replica *r);
void ps_audit_free(ps_audit *a);

#endif
