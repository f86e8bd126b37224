// toml++'s implementation, compiled here once (TOML_HEADER_ONLY=0 everywhere
// else) instead of linking libtomlplusplus.so: one shared library fewer for
// vipd to load at start.
#define TOML_IMPLEMENTATION 1
#include <toml++/toml.h>
