/* Private to src/crypto: set-up hooks that crypto_init() calls. */
#ifndef PQC_CRYPTO_INTERNAL_H
#define PQC_CRYPTO_INTERNAL_H

/* Fetch the SHAKE256 EVP_MD once.  0 = ok. */
int hash_init(void);

#endif
