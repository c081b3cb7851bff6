/* SPDX-License-Identifier: MIT */
/* Fuzz target: the YAML configuration loader. */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nb_config *config = NULL;
    if (nb_config_parse("fuzz.yaml", (const char *)data, size, NULL, &config, NULL) == NB_OK)
        nb_config_free(config);
    return 0;
}
