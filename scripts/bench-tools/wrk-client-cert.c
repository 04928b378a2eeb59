/* An LD_PRELOAD shim that makes wrk (which has no option for it) present a TLS client
 * certificate, for scripts/bench.
 *
 *   WRK_CLIENT_CERT=cert.pem WRK_CLIENT_KEY=key.pem LD_PRELOAD=./wrk-client-cert.so wrk ...
 *
 * wrk makes its one client SSL_CTX with SSL_CTX_new (from libssl.so.3, through the PLT, so a
 * preloaded definition wins): this one calls the real function, then loads the certificate
 * chain and the key into the new context. A file that cannot be loaded, or a key that does
 * not match, ends the process with a message (a run without the certificate would measure
 * 403 answers).
 *
 * It also counts the handshakes wrk completes and how many of them resumed a session
 * (SSL_connect, SSL_session_reused); with WRK_SHIM_STATS=FILE set it writes
 * "handshakes N resumed M" to FILE when wrk exits.
 *
 * Build: cc -O2 -shared -fPIC -o wrk-client-cert.so wrk-client-cert.c -ldl -lssl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long handshakes, resumed;

static void *next(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        fprintf(stderr, "wrk-client-cert: %s not found: %s\n", name, dlerror());
        exit(1);
    }
    return f;
}

static void fail(const char *what, const char *file) {
    fprintf(stderr, "wrk-client-cert: %s %s: ", what, file ? file : "(WRK_CLIENT_CERT/KEY unset)");
    ERR_print_errors_fp(stderr);
    fputc('\n', stderr);
    exit(1);
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method) {
    static SSL_CTX *(*real)(const SSL_METHOD *);
    if (real == NULL) {
        real = (SSL_CTX * (*)(const SSL_METHOD *)) next("SSL_CTX_new");
    }
    SSL_CTX *ctx = real(method);
    if (ctx == NULL) {
        return NULL;
    }
    const char *cert = getenv("WRK_CLIENT_CERT");
    const char *key = getenv("WRK_CLIENT_KEY");
    if (cert == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        fail("cannot load the client certificate", cert);
    }
    if (key == NULL || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        fail("cannot load the client key", key);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        fail("the key does not match the certificate", key);
    }
    return ctx;
}

int SSL_connect(SSL *ssl) {
    static int (*real)(SSL *);
    if (real == NULL) {
        real = (int (*)(SSL *))next("SSL_connect");
    }
    int r = real(ssl);
    if (r == 1) {
        __atomic_add_fetch(&handshakes, 1, __ATOMIC_RELAXED);
        if (SSL_session_reused(ssl)) {
            __atomic_add_fetch(&resumed, 1, __ATOMIC_RELAXED);
        }
    }
    return r;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("WRK_SHIM_STATS");
    if (path == NULL || *path == '\0') {
        return;
    }
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "handshakes %lu resumed %lu\n", handshakes, resumed);
        fclose(f);
    }
}
