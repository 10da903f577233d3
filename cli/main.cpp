#include "cli/app.hpp"

int main(int argc, char** argv) { return gpurun::cli::run(argc, argv); }
