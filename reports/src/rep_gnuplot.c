/*
 * rep_gnuplot: finds the gnuplot executable and runs it as a child process on a generated
 * script (fork, chdir into the report's staging directory, stdout/stderr to a log file, exec).
 * Nothing goes through a shell, so no path needs quoting. The PNG terminal is probed once:
 * pngcairo (antialiased, the Debian gnuplot-nox build has it) with the libgd png terminal as
 * the fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rep_int.h"

/* True when path names an executable regular file. */
static bool is_exe(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Resolves name through PATH (a name with a '/' is taken as a path). */
static bool resolve(const char *name, char *dst, size_t cap) {
    if (strchr(name, '/')) {
        snprintf(dst, cap, "%s", name);
        return is_exe(dst);
    }
    const char *path = getenv("PATH");
    if (!path)
        return false;
    for (const char *p = path;;) {
        const char *colon = strchr(p, ':');
        const size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0 && (size_t)snprintf(dst, cap, "%.*s/%s", (int)len, p, name) < cap &&
            is_exe(dst))
            return true;
        if (!colon)
            return false;
        p = colon + 1;
    }
}

/* Runs exe with up to two arguments in workdir; output appended to log (NULL: discarded;
 * a relative path is taken before the chdir). Returns
 * the exit status, or -1 when the child could not be started. */
static int run_child(const char *exe, const char *arg1, const char *arg2, const char *workdir,
                     const char *log) {
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        const int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int nul = open("/dev/null", O_RDONLY);
        if (fd < 0 || nul < 0 || (workdir && chdir(workdir) != 0))
            _exit(126);
        dup2(nul, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        char *argv[4] = {(char *)exe, (char *)arg1, (char *)arg2, NULL};
        execv(exe, argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

npu_status rep_gnuplot_find(const char *name, rep_gnuplot *g, npu_err *err) {
    memset(g, 0, sizeof *g);
    const char *want = name ? name : "gnuplot";
    if (!resolve(want, g->exe, sizeof g->exe))
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: not found%s; akisim report draws its figures with gnuplot "
                           "(Debian: apt-get install gnuplot-nox)",
                           want, strchr(want, '/') ? "" : " on PATH");
    if (run_child(g->exe, "-e", "set terminal pngcairo", NULL, NULL) == 0)
        g->pngcairo = true;
    else if (run_child(g->exe, "-e", "set terminal png", NULL, NULL) != 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: does not run or has neither the pngcairo nor the png terminal",
                           g->exe);
    return NPU_OK;
}

/* Copies the first lines of the log into dst. */
static void log_head(const char *log, char *dst, size_t cap) {
    dst[0] = '\0';
    FILE *f = fopen(log, "r");
    if (!f)
        return;
    size_t n = 0;
    char line[256];
    for (int k = 0; k < 4 && fgets(line, sizeof line, f); k++) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        const int w = snprintf(dst + n, cap - n, "%s%s", n ? " | " : "", line);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    fclose(f);
}

npu_status rep_gnuplot_run(const rep_gnuplot *g, const char *workdir, const char *script,
                           const char *log, npu_err *err) {
    const int rc = run_child(g->exe, script, NULL, workdir, log);
    if (rc == 0)
        return NPU_OK;
    char head[320];
    log_head(log, head, sizeof head);
    return npu_err_set(err, NPU_ERR_INTERNAL, "gnuplot failed on %s/%s (status %d)%s%s", workdir,
                       script, rc, head[0] ? ": " : "", head);
}
