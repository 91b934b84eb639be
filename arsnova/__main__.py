from arsnova.cli import main

main()
