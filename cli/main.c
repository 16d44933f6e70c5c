/* main.c - plansync: global options, the command table, dispatch.
 * Commands live in cmd_<name>.c; this file only finds them, parses their
 * options into their own struct (cli/opt.c) and runs them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/repo_global.h"
#include "plansync/daemon.h"

#define PROG "plansync"

static const cmd commands[] = {
    {"init", cmd_init, "Create a replica: a local database and Git repository for one office.", "DIR", &opts_init, 1, 1,
     CMD_JSON, "With --remote, everything already on the remote is fetched and imported."},
    {"config", cmd_config, "Show or change a setting (the list: plansync config --help).", "[KEY [VALUE]]", NULL, 0, 2,
     CMD_REPLICA | CMD_JSON | CMD_WRITES, config_help},
    {"plan import", cmd_plan_import, "Import a plan document (province only); only what differs becomes changes.",
     "[FILE]", &opts_plan_import, 0, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "Without FILE (or with --default) the bundled plan is imported."},
    {"plan show", cmd_plan_show, "Show the plan: header and programs.", NULL, NULL, 0, 0,
     CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"plan tasks", cmd_plan_tasks, "List the plan's tasks (content items).", NULL, &opts_plan_tasks, 0, 0,
     CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"plan targets", cmd_plan_targets, "List district-specific targets with their deadlines.", NULL, &opts_plan_targets,
     0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"plan offices", cmd_plan_offices, "List the offices: ids, names, kinds, how many targets each has.", NULL, NULL, 0,
     0, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"plan periods", cmd_plan_periods, "List the reporting periods: ids, kinds, dates, due dates, open or closed.",
     NULL, NULL, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS,
     "Ids are matched case-insensitively everywhere: 2021-Q3 is 2021-q3."},
    {"progress set", cmd_progress_set, "Record this office's progress on a task for a period.", "TASK PERIOD",
     &opts_progress_set, 2, 2, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "Statuses: not_started, on_track, at_risk, delayed, done, cancelled. Works offline;\n'plansync sync' (or the "
     "daemon) sends it."},
    {"progress show", cmd_progress_show, "Show recorded progress.", NULL, &opts_progress_show, 0, 0,
     CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"progress import", cmd_progress_import, "Record many progress rows from a CSV file, all or nothing.", "FILE.csv",
     NULL, 1, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "The first line names the columns: task, period, and any of status, percent, actual,\nnote, evidence (references "
     "separated by ';'), reporter, reason; or in Vietnamese, in any\ncase, with or without marks: Nhiệm vụ, Kỳ, Trạng "
     "thái, Tỷ lệ, Giá trị thực tế, Ghi chú,\nMinh chứng, Người báo cáo, Lý do. Cells are separated by ',' or by ';' "
     "(as Excel in\nVietnamese saves), whichever the first line holds more of. Blank rows and empty\ncolumns with no "
     "name are ignored. Ids and statuses are matched case-insensitively.\nA percent may end in '%' (40%); a decimal "
     "may use ',' (3,75). Refused as reading\ntwo ways: '.' and ',' together (1.234,5), two ',' (1,2,3), and one ',' "
     "followed by\nexactly three digits (1,234); in a ';' file also one '.' followed by exactly three\ndigits (1.234). "
     "Write such numbers with no thousands separator (1234, 1234.5)."},
    {"progress withdraw", cmd_progress_withdraw, "Take back a report entered by mistake (kept in the history).",
     "TASK PERIOD", &opts_progress_withdraw, 2, 2, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "The report is retired: a change like any other, synced to every office and shown by\n'plansync log'; it counts "
     "as no report anywhere. 'plansync progress set' reports again."},
    {"log", cmd_log, "The change history, newest first: who changed what, when and why.", "[RECORD]", &opts_log, 0, 1,
     CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"conflicts", cmd_conflicts, "List fields that concurrent changes set to different values.", NULL, NULL, 0, 0,
     CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"resolve", cmd_resolve, "Settle a conflict with one version or a new value.", "RECORD FIELD", &opts_resolve, 2, 2,
     CMD_REPLICA | CMD_JSON | CMD_WRITES, NULL},
    {"sync", cmd_sync, "Export local changes, push, fetch and import (one cycle).", NULL, &opts_sync, 0, 0,
     CMD_REPLICA | CMD_JSON, NULL},
    {"status", cmd_status, "Office, replica, remote, counts, and the last sync in words.", NULL, NULL, 0, 0,
     CMD_REPLICA | CMD_JSON, NULL},
    {"problems", cmd_problems, "Files and branches from the remote that were quarantined, with reasons.", NULL, NULL, 0,
     0, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"dump", cmd_dump, "The whole state as canonical JSON (stable bytes: compare replicas, keep backups).", NULL, NULL,
     0, 0, CMD_REPLICA, NULL},
    {"remote seed", cmd_remote_seed, "Fill a new, empty shared repository with every branch this replica holds.", "URL",
     NULL, 1, 1, CMD_REPLICA | CMD_JSON,
     "For when the shared repository was lost: create an empty one ('git init --bare PATH'),\nseed it from the "
     "replica that synced last, then on every replica run\n'plansync config remote URL'. Nothing is lost or counted "
     "twice; run it again from\nother replicas to add what only they hold."},
    {"check", cmd_check, "Verify the replica (database, stored changes, state, Git objects) and say how to recover.",
     NULL, &opts_check, 0, 0, CMD_JSON,
     "Exits 8 when it finds a fault, and prints for each the exact commands that recover from it."},
    {"rebuild", cmd_rebuild, "Recompute the state from the change log and the Git repository.", NULL, NULL, 0, 0,
     CMD_REPLICA | CMD_JSON, NULL},
    {"keys show", cmd_keys_show, "This replica's public key and its SHA256 fingerprint.", NULL, NULL, 0, 0,
     CMD_REPLICA | CMD_JSON,
     "The fingerprint is the one 'ssh-keygen -lf DIR/key.pub' prints: read it out to the province\nby phone so "
     "it can check the key it enrols."},
    {"keys allowed-signers", cmd_keys_allowed_signers,
     "A git allowed-signers file of the keys that sign this repository's commits.", NULL, &opts_keys_allowed_signers, 0,
     0, CMD_REPLICA,
     "Verify with stock git: git -c gpg.ssh.allowedSignersFile=FILE verify-commit COMMIT\n(or log "
     "--show-signature). Principals are REPLICA@plansync.invalid, the commits' e-mail."},
    {"review accept", cmd_review_accept, "Accept offices' reports (province only): bound to the version judged.",
     "OFFICE [TASK...] [PERIOD]", &opts_review, 1, MAX_POS, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "OFFICE TASK [TASK...] PERIOD reviews those reports; OFFICE --period P every report of\nOFFICE in force in P "
     "(or only the TASKs given). All or nothing. A report changed after\nit was accepted shows as "
     "changed_since_accepted everywhere."},
    {"review return", cmd_review_return, "Return offices' reports with a comment (province only).",
     "OFFICE [TASK...] [PERIOD] --comment TEXT", &opts_review, 1, MAX_POS, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "The office sees the comment in 'plansync inbox' and 'status'; its correction makes the\nreport 'reported' "
     "again."},
    {"inbox", cmd_inbox, "The province's reviews of this office's reports, returned ones first.", NULL, &opts_inbox, 0,
     0, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"period close", cmd_period_close, "Close a period (province only): late reports then need --reason.", "PERIOD",
     &opts_period, 1, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "A plan change that syncs like any other. A district that knows the period is closed\nneeds --reason to report "
     "for it; no reader refuses a report because of a close.\nTimeliness comes from the receipts the province's "
     "replica writes, not from this."},
    {"period open", cmd_period_open, "Open a closed period again (province only).", "PERIOD", &opts_period, 1, 1,
     CMD_REPLICA | CMD_JSON | CMD_WRITES, NULL},
    {"report coverage", cmd_report_coverage, "Who reported what for a period: offices x tasks, review states, totals.",
     NULL, &opts_report_coverage, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS,
     "Each cell: missing, reported, returned, accepted or changed_since_accepted; a withdrawn\nreport counts as "
     "missing. Offline, from this replica's database."},
    {"report programs", cmd_report_programs, "Completion per program and office, and per program for the province.",
     NULL, &opts_report_programs, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS,
     "Mean percent of the reports counted (each task's latest, or those of --period P),\nand the statuses counted."},
    {"report targets", cmd_report_targets, "District targets with their deadline, latest report and a verdict.", NULL,
     &opts_report_targets, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS,
     "Verdicts, late first: late (deadline passed and not met, or delayed), at_risk (at_risk,\nnot_started, "
     "cancelled), no_report, on_track, met (done or 100%)."},
    {"report office", cmd_report_office, "One office's whole sheet, as the office would print it.", "OFFICE",
     &opts_report_office, 1, 1, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"report sync", cmd_report_sync, "Every replica of every office: last change, when received, held, problems.", NULL,
     &opts_report_sync, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS, NULL},
    {"report html", cmd_report_html, "Write the dashboard: a static site that opens from file:// (DIR/index.html).",
     NULL, &opts_report_html, 0, 0, CMD_REPLICA | CMD_JSON,
     "Coverage grid, completion charts, late targets, each office's sheet and each record's\nhistory with review "
     "decisions; Vietnamese labels, print-friendly. No network, no script."},
    {"audit", cmd_audit, "Verify the whole history of every branch from scratch, as an inspector does.", NULL, NULL, 0,
     0, CMD_REPLICA | CMD_JSON,
     "Signatures, enrolment at the time, ownership, history that only grows, and the state it\nimplies against "
     "this replica's dump; per office: commits, changes, signers, anything refused.\nExits 1 when anything fails."},
    {"keys trust", cmd_keys_trust, "Pin the province key on a replica that trusts none yet.", "SHA256:...", NULL, 1, 1,
     CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "For a replica made without --trust and without a remote: its sync refuses until the\nprovince key is pinned. "
     "Confirm the fingerprint with the province officer by phone\n(plansync keys show on the province). Refused once "
     "a province key is trusted here."},
    {"keys pending", cmd_keys_pending, "List enrolment requests: replicas whose changes wait for the province.", NULL,
     NULL, 0, 0, CMD_REPLICA | CMD_JSON | CMD_ROWS,
     "Confirm each fingerprint with the office by phone before approving it."},
    {"keys approve", cmd_keys_approve, "Enrol a replica's key (province only); its held changes then apply.",
     "REPLICA-OR-FINGERPRINT", &opts_keys_approve, 1, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES, NULL},
    {"keys refuse", cmd_keys_refuse, "Refuse an enrolment request (province only); its changes are never applied.",
     "REPLICA-OR-FINGERPRINT", NULL, 1, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES, NULL},
    {"keys rotate", cmd_keys_rotate, "Give this province replica a new key, announced in a commit its old key signs.",
     NULL, NULL, 0, 0, CMD_REPLICA | CMD_JSON | CMD_WRITES,
     "Every reader then accepts the new key for this replica's later commits and the old one for\nthe earlier ones. "
     "Offices created afterwards pin the root key as before."},
    {"keys revoke", cmd_keys_revoke,
     "Revoke an enrolled key (province only): its commits after the last one accepted here are refused.",
     "REPLICA-OR-FINGERPRINT", NULL, 1, 1, CMD_REPLICA | CMD_JSON | CMD_WRITES, NULL},
    {"server gitolite", cmd_server_gitolite,
     "Write gitolite's access rules from the key registry: each key may push only its own branch.", NULL,
     &opts_server_gitolite, 0, 0, CMD_REPLICA | CMD_JSON,
     "Writes DIR/conf/gitolite.conf and DIR/keydir/plansync/<replica>.pub for every enrolled,\nnot revoked key: "
     "each may create and fast-forward only refs/heads/replicas/<office>/<replica>;\nnobody may delete or rewind "
     "a branch. Run it again after every approve or revoke, copy\nDIR into the gitolite-admin repository and push "
     "it (README: For the person who runs the\nGit server)."},
};
#define NCMDS (sizeof(commands) / sizeof(commands[0]))

/* Global options: before the command words. */
typedef struct global_opts {
	const char *dir;
	bool version;
} global_opts;
static const opt_spec global_spec[] = {
    OPT_STRING('C', NULL, global_opts, dir, "DIR", "the replica directory (default: $PLANSYNC_DIR, else .)"),
    OPT_BOOL(0, "version", global_opts, version, "print the version"),
    OPT_END,
};
static const opt_table global_table = {global_spec, sizeof(global_opts)};
static const cmd global_cmd = {"", NULL, "", "[-C DIR] COMMAND", &global_table, 0, 0, CMD_OPTS_FIRST, NULL};

static void usage(FILE *to)
{
	fprintf(to, "usage: plansync [-C DIR] COMMAND [ARGS] [--help]\n\n"
	            "Offline-first sync of a provincial action plan and its progress reports.\n"
	            "The replica directory is -C DIR, else $PLANSYNC_DIR, else the current directory.\n\ncommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(to, "  %-17s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\noptions:\n");
	opt_help(&global_table, 0, to);
	fprintf(to, "\n'plansync COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	global_opts g;
	args ga;
	int rc = args_parse(&ga, &g, PROG, &global_cmd, argc - 1, argv + 1);
	if (rc)
		return rc;
	if (ga.help) {
		usage(stdout);
		return 0;
	}
	if (g.version) {
		printf("plansync %s\n", PLANSYNC_VERSION);
		return 0;
	}
	const char *dir = replica_dir(PROG, g.dir);
	if (!dir)
		return EXIT_USAGE;
	int k = 1 + ga.used;
	if (k >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const cmd *c = NULL;
	int words = 0;
	for (size_t i = 0; i < NCMDS && !c; i++) {
		const char *sp = strchr(commands[i].name, ' ');
		if (sp && k + 1 < argc && strlen(argv[k]) == (size_t)(sp - commands[i].name) &&
		    !strncmp(argv[k], commands[i].name, (size_t)(sp - commands[i].name)) &&
		    !strcmp(argv[k + 1], sp + 1)) {
			c = &commands[i];
			words = 2;
		} else if (!sp && !strcmp(argv[k], commands[i].name)) {
			c = &commands[i];
			words = 1;
		}
	}
	if (!c) {
		/* "plansync plan" alone, or an unknown subcommand (named) */
		const char *sub = k + 1 < argc && argv[k + 1][0] != '-' ? argv[k + 1] : NULL;
		int group = 0;
		for (size_t i = 0; i < NCMDS; i++) {
			const char *sp = strchr(commands[i].name, ' ');
			if (sp && strlen(argv[k]) == (size_t)(sp - commands[i].name) &&
			    !strncmp(argv[k], commands[i].name, (size_t)(sp - commands[i].name))) {
				if (!group++ && sub)
					fprintf(stderr, "plansync: unknown subcommand '%s %s'; '%s' takes one of:\n",
					        argv[k], sub, argv[k]);
				else if (group == 1)
					fprintf(stderr, "plansync: '%s' needs a subcommand:\n", argv[k]);
				fprintf(stderr, "  plansync %-16s %s\n", commands[i].name, commands[i].summary);
			}
		}
		if (!group)
			fprintf(stderr, "plansync: unknown command '%s'; see 'plansync --help'\n", argv[k]);
		return EXIT_USAGE;
	}
	void *opts = c->opts ? calloc(1, c->opts->size) : NULL;
	if (c->opts && !opts)
		return fail_msg(EXIT_FAIL, "out of memory");
	/* libgit2 is initialised on first use (it loads the CA store, ~10 ms):
	 * local reads and writes never pay for it. */
	ctx x = {dir, NULL, c, isatty(STDOUT_FILENO) != 0};
	args a;
	rc = args_parse(&a, opts, PROG, c, argc - k - words, argv + k + words);
	if (rc || a.help) {
		if (a.help)
			cmd_help(PROG, c, stdout);
		goto done;
	}
	if ((c->flags & CMD_REPLICA) && (rc = ps_replica_open(&x.r, x.dir))) {
		rc = fail(rc);
		goto done;
	}
	rc = c->fn(&x, &a);
	if (rc == 0 && (c->flags & CMD_WRITES))
		ps_daemon_wake(x.dir);
done:
	ps_replica_free(x.r);
	free(opts);
	return rc;
}
