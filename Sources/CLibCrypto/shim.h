/* OpenSSL's libcrypto (Debian: libssl-dev), for the SHA-256 that identifies a model file. */
#include <openssl/evp.h>
