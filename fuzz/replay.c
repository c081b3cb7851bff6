/* SPDX-License-Identifier: MIT */
/* Replays a fuzz corpus through a target without libFuzzer: every file named on the command
 * line is fed to LLVMFuzzerTestOneInput once. ctest runs this in the normal and ASan builds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc((size_t)size + 1);
        size_t got = fread(data, 1, (size_t)size, f);
        fclose(f);
        LLVMFuzzerTestOneInput(data, got);
        free(data);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
