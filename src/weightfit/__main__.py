from weightfit.cli import main

main()
