// libi2c (Debian: libi2c-dev) and the i2c-dev ioctl interface.
#include <i2c/smbus.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
