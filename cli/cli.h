/*
 * cli.h — the commands of the `helpflow` tool. Each takes its own argv (argv[0] is the command
 * name), prints its usage on --help, and returns the process exit code (util.h).
 */
#ifndef HF_CLI_H
#define HF_CLI_H

int cli_run(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_route(int argc, char **argv);
int cli_graph(int argc, char **argv);
int cli_test(int argc, char **argv);
int cli_bundle(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_snapshot(int argc, char **argv);
int cli_replay(int argc, char **argv);

#endif
