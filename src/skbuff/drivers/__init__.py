"""Device drivers. Kernel: drivers/."""
