// libgpiod 1.6 (Debian 12: libgpiod-dev).
#include <gpiod.h>
