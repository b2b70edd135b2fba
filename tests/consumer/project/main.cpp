// A C++ program using the header-only layer from the installed tree.
#include <mailwire/Mailwire.hpp>
#include <iostream>

int main()
{
    mailwire::CLibrary lib;
    if (!lib.IsInitialized())
        return 1;
    std::cout << "mailwire " << mailwire::GetVersion() << ": "
              << mailwire::GetErrorString(ST_ERROR_CANCELLED) << "\n";
    return 0;
}
