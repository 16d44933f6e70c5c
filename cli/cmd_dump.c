/* cmd_dump.c - plansync dump; plansync rebuild */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/dump.h"

int cmd_dump(ctx *x, const args *a)
{
	char *s = NULL;
	int rc = ps_dump(x->r, &s);
	if (rc)
		return fail(rc);
	fputs(s, stdout);
	free(s);
	return 0;
}

int cmd_rebuild(ctx *x, const args *a)
{
	int rc = ps_rebuild(x->r, progress_tty, NULL);
	if (rc)
		return fail(rc);
	if (a->json)
		printf("{\n  \"ok\": true\n}\n");
	else
		printf("rebuilt the state from the change log\n");
	return 0;
}
