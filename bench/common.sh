# Sourced by the benchmark scripts. Every side runs with the allocator settings of the ./resnet4j launcher: without
# them glibc returns each step's large buffers to the kernel and page-faults them back on the next step.
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_ARENA_MAX=1

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
